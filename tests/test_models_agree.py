"""The PyTorch and the Keras models compute the same function, and train the same way.

Each pair is built from one embedding matrix, the Keras weights are copied into the torch model,
and then (a) their eval-mode logits agree and (b) after training steps through our own trainers
(Adadelta lr 1.0, rho 0.95, eps 1e-6; ``RowwiseAdadelta`` for the torch embedding; dropout off) the
logits, every weight and the embedding matrices still agree.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from conftest import (  # noqa: E402
    CLASSES,
    VOCAB,
    training,  # noqa: E402
)
from w2vcnn.models import ARCHITECTURES, MODES, build_model  # noqa: E402
from w2vcnn.text import batches  # noqa: E402
from w2vcnn.train import _trainer_for  # noqa: E402

HYPER = {"cnn": {"windows": (2, 3), "feature_maps": 4, "dropout": 0.0}, "cbow": {"dropout": 0.0}}
TRAINING = training(learning_rate=1.0)
# Class weights of 30x Glorot are over the max-norm cap of 3: the first step must clip them in both.
OUTPUT_SCALE = 30.0


def keras_to_torch(keras_model, torch_model, arch):
    """Copy every Keras weight into the torch model (transposing to torch's layouts)."""
    with torch.no_grad():
        torch_model.embedding.weight.copy_(
            torch.from_numpy(keras_model.get_layer("embedding").get_weights()[0])
        )
        if torch_model.static_embedding is not None:
            torch_model.static_embedding.weight.copy_(
                torch.from_numpy(keras_model.get_layer("static_embedding").get_weights()[0])
            )
        if arch == "cnn":
            for name, conv in torch_model.convs.items():  # conv3, ...: the Keras layers' names
                kernel, bias = keras_model.get_layer(name).get_weights()
                # Conv1D kernel [width, in, out] -> Conv1d weight [out, in, width]
                conv.weight.copy_(torch.from_numpy(kernel.transpose(2, 1, 0)))
                conv.bias.copy_(torch.from_numpy(bias))
        kernel, bias = keras_model.get_layer("output").get_weights()
        # Dense kernel [in, out] -> Linear weight [out, in]
        torch_model.output.weight.copy_(torch.from_numpy(kernel.T))
        torch_model.output.bias.copy_(torch.from_numpy(bias))


def torch_weights_as_keras(torch_model, keras_model, arch):
    """The torch model's weights in Keras's layouts, by Keras layer name (to compare them)."""
    weights = {"embedding": [torch_model.embedding.weight]}
    if torch_model.static_embedding is not None:
        weights["static_embedding"] = [torch_model.static_embedding.weight]
    if arch == "cnn":
        for name, conv in torch_model.convs.items():
            weights[name] = [conv.weight.permute(2, 1, 0), conv.bias]
    weights["output"] = [torch_model.output.weight.T, torch_model.output.bias]
    # every Keras layer with weights is covered, and no torch parameter was left out
    assert sorted(weights) == sorted(layer.name for layer in keras_model.layers if layer.weights)
    assert sum(len(w) for w in weights.values()) == len(list(torch_model.parameters()))
    return {name: [w.detach().cpu().numpy() for w in ws] for name, ws in weights.items()}


def torch_logits(model, tokens):
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        return model(torch.from_numpy(tokens).to(device)).cpu().numpy()


def keras_logits(model, tokens):
    return keras.ops.convert_to_numpy(model(tokens, training=False))


def make_pair(arch, mode, embeddings):
    keras_model = build_model("keras", arch, mode, embeddings, CLASSES, seed=0, **HYPER[arch])
    dense = keras_model.get_layer("output")
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * OUTPUT_SCALE, bias + 0.1])  # a non-zero bias, so it is compared too
    # a different seed: every weight the torch model ends up with must come from keras_to_torch
    torch_model = build_model("torch", arch, mode, embeddings, CLASSES, seed=1, **HYPER[arch])
    keras_to_torch(keras_model, torch_model, arch)
    return keras_model, torch_model


def distinct_word_sentences():
    """Two batches from text.batches: 3 sentences of 4 words (padded to 5), then 3 of 7. No word
    occurs twice in a batch (see test_a_word_repeated_in_a_batch_trains_the_same below) and none is
    all pads (Keras's CBOW gives NaN for a sentence of pads only, torch's gives zeros)."""
    words = np.random.default_rng(2).permutation(np.arange(1, VOCAB))
    lengths = [4, 4, 4, 7, 7, 7]
    ends = np.cumsum(lengths)
    encoded = [words[end - n : end].tolist() for n, end in zip(lengths, ends)]
    labels = np.array([0, 1, 2, 2, 1, 0])
    steps = list(batches(encoded, labels, batch_size=3, shuffle=False))
    assert [b.tokens.shape for b in steps] == [(3, 5), (3, 7)]
    assert (steps[0].tokens == 0).any()  # the CNN sees pads in the first batch
    return steps


def train_both(keras_model, torch_model, steps):
    """One epoch of ``steps`` through each backend's own trainer, as ``fit`` runs it."""
    for model in (keras_model, torch_model):
        trainer = _trainer_for(model, TRAINING, seed=0)
        loss, _, n = trainer.train_epoch(iter(steps), epoch=1)
        assert np.isfinite(loss) and n == sum(len(b.labels) for b in steps)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_torch_and_keras_models_agree_before_and_after_training(
    arch, mode, embeddings, model_batch
):
    tokens = model_batch[0]
    saved = embeddings.copy()
    keras_model, torch_model = make_pair(arch, mode, embeddings)

    initial_norms = np.linalg.norm(keras_model.get_layer("output").get_weights()[0], axis=0)

    # (a) the same function
    before = keras_logits(keras_model, tokens)
    np.testing.assert_allclose(torch_logits(torch_model, tokens), before, atol=1e-5, rtol=0)

    # (b) the same training: two steps (3 short sentences, then 3 long ones) of each trainer
    steps = distinct_word_sentences()
    train_both(keras_model, torch_model, steps)

    after = keras_logits(keras_model, tokens)
    assert np.abs(after - before).max() > 1e-2  # training moved the logits: a real comparison
    np.testing.assert_allclose(torch_logits(torch_model, tokens), after, atol=1e-4, rtol=0)

    torch_weights = torch_weights_as_keras(torch_model, keras_model, arch)
    for name, weights in torch_weights.items():
        for torch_weight, keras_weight in zip(weights, keras_model.get_layer(name).get_weights()):
            np.testing.assert_allclose(torch_weight, keras_weight, atol=1e-4, rtol=0, err_msg=name)

    # the embedding matrices: identical to the start where frozen, moved identically where trained
    keras_embedding = keras_model.get_layer("embedding").get_weights()[0]
    # the pad row, in both (pads zeroed in the forward / padding_idx)
    np.testing.assert_array_equal(keras_embedding[0], 0.0)
    np.testing.assert_array_equal(torch_weights["embedding"][0][0], 0.0)
    used = np.unique(np.concatenate([b.tokens.ravel() for b in steps]))
    unused = np.setdiff1d(np.arange(len(saved)), used)
    np.testing.assert_array_equal(keras_embedding[unused], saved[unused])
    np.testing.assert_array_equal(torch_weights["embedding"][0][unused], saved[unused])
    moved = np.abs(keras_embedding - saved).max(axis=1)
    if mode == "static":
        np.testing.assert_array_equal(keras_embedding, saved)
    else:
        # CBOW fine-tunes every word of the batches; the CNN only those in windows that won the
        # max-over-time pooling past the ReLU -- most of them
        words_moved = moved[used[used != 0]] > 1e-3
        assert words_moved.all() if arch == "cbow" else words_moved.mean() > 0.5
    if mode == "multichannel":
        static = keras_model.get_layer("static_embedding").get_weights()[0]
        np.testing.assert_array_equal(static, saved)
        np.testing.assert_array_equal(torch_weights["static_embedding"][0], saved)

    # the max-norm cap was applied (in both, as the weights agree): every class started far above it
    assert np.all(initial_norms > 3.0 * 3)
    class_norms = np.linalg.norm(keras_model.get_layer("output").get_weights()[0], axis=0)
    assert np.all(class_norms <= 3.0 + 1e-4)
    np.testing.assert_array_equal(embeddings, saved)  # the caller's matrix was never written


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_a_word_repeated_in_a_batch_trains_the_same(arch, embeddings):
    # Keras 3's Adadelta updates an embedding row once per occurrence of its word unless the
    # trainer sums the gradient's slices first (train._rowwise_adadelta)
    keras_model, torch_model = make_pair(arch, "non-static", embeddings)
    steps = list(batches([[5, 6, 7, 5], [8, 9, 10, 5]], [0, 1], batch_size=2, shuffle=False))
    train_both(keras_model, torch_model, steps)
    torch_embedding = torch_weights_as_keras(torch_model, keras_model, arch)["embedding"][0]
    np.testing.assert_allclose(
        torch_embedding, keras_model.get_layer("embedding").get_weights()[0], atol=1e-4, rtol=0
    )
