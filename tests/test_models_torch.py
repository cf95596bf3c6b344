import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from conftest import CLASSES, DIM, assert_embedding_step, numpy_forward  # noqa: E402
from w2vcnn.models import ARCHITECTURES, BACKENDS, MODES, build_model  # noqa: E402
from w2vcnn.models.torch import CBOWClassifier, KimCNN, embedding_matrix  # noqa: E402

SMALL = {"cnn": {"windows": (2, 3), "feature_maps": 4}, "cbow": {}}


@pytest.fixture
def batch(model_batch):
    tokens, labels = model_batch
    return torch.from_numpy(tokens), torch.from_numpy(labels)


def make(arch, mode, embeddings, seed=0):
    return build_model("torch", arch, mode, embeddings, CLASSES, seed=seed, **SMALL[arch])


def train_step(model, tokens, labels):
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    loss = F.cross_entropy(model(tokens), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def numpy_logits(model, tokens):
    """The model's function written out in numpy from its parameters (eval mode: no dropout)."""
    p = {name: value.detach().cpu().numpy() for name, value in model.state_dict().items()}
    channels = [p[n] for n in ("embedding.weight", "static_embedding.weight") if n in p]
    convs = []
    if not isinstance(
        model, CBOWClassifier
    ):  # Conv1d weight [maps, in, width] -> [width, in, maps]
        convs = [
            (p[f"convs.{name}.weight"].transpose(2, 1, 0), p[f"convs.{name}.bias"])
            for name in model.convs  # conv3, conv4, ...: named as the Keras layers
        ]
    return numpy_forward(tokens, channels, convs, (p["output.weight"].T, p["output.bias"]))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_logits_are_the_numpy_forward_pass(arch, mode, embeddings, batch):
    model = make(arch, mode, embeddings)
    assert isinstance(model, {"cnn": KimCNN, "cbow": CBOWClassifier}[arch])
    with torch.no_grad():  # as after fine-tuning: the two channels of multichannel now differ
        shift = np.random.default_rng(3).normal(0, 0.1, embeddings.shape).astype(np.float32)
        shift = torch.from_numpy(shift)
        shift[0] = 0
        model.embedding.weight.add_(shift)
    logits = model.eval()(batch[0])
    assert logits.shape == (6, CLASSES) and logits.dtype == torch.float32
    np.testing.assert_allclose(
        logits.detach().numpy(), numpy_logits(model, batch[0].numpy()), rtol=1e-5, atol=1e-6
    )


def test_cnn_features_are_the_max_over_time_of_relu_convolutions():
    vectors = np.array([[0.0], [1.0], [2.0], [-3.0]], dtype=np.float32)  # 1-d; row 0 the pad
    model = KimCNN(vectors, 2, "static", windows=(2,), feature_maps=2).eval()
    with torch.no_grad():
        model.convs["conv2"].weight.copy_(
            torch.tensor([[[1.0, 1.0]], [[1.0, -1.0]]])
        )  # [maps, 1, width]
        model.convs["conv2"].bias.zero_()
    tokens = torch.tensor([[1, 2, 3, 0, 0], [2, 1, 0, 0, 0]])
    # vectors 1 2 -3 0 0: map 0 (a + b) 3 -1 -3 0 -> 3; map 1 (a - b) -1 5 -3 0 -> 5
    # vectors 2 1 0 0 0:  map 0 3 1 0 0 -> 3;          map 1 1 1 0 0 -> 1
    assert model.features(tokens).tolist() == [[3.0, 5.0], [3.0, 1.0]]


def test_cbow_features_are_the_mean_of_the_real_words():
    vectors = np.array([[0, 0], [1, 2], [3, -4], [5, 0]], dtype=np.float32)
    model = CBOWClassifier(vectors, 2, "multichannel").eval()
    tokens = torch.tensor([[1, 2, 0, 0], [1, 3, 0, 0], [3, 3, 3, 3]])
    means = [[2.0, -1.0], [3.0, 1.0], [5.0, 0.0]]  # not diluted by the pads
    for words, mean in zip(tokens, means):
        np.testing.assert_array_equal(vectors[words[words != 0]].mean(axis=0), mean)
    assert model.features(tokens).tolist() == [m + m for m in means]  # both channels, same vectors


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_one_step_moves_exactly_the_trainable_channel(arch, mode, embeddings, batch):
    saved = embeddings.copy()
    model = make(arch, mode, embeddings)
    before = embedding_matrix(model)
    # the model holds its own copy: fine-tuning must never write into the caller's array
    assert not np.shares_memory(model.embedding.weight.detach().numpy(), embeddings)
    assert model.embedding.weight.data_ptr() != torch.from_numpy(embeddings).data_ptr()

    train_step(model, *batch)

    after = embedding_matrix(model)
    assert_embedding_step(mode, embeddings, saved, before, after)
    if mode == "multichannel":
        static = model.static_embedding.weight
        assert not static.requires_grad
        fine_tuned = model.embedding.weight.detach().numpy()
        assert not np.shares_memory(static.detach().numpy(), fine_tuned)
        np.testing.assert_array_equal(static.detach().numpy(), saved)
    else:
        assert model.static_embedding is None
    np.testing.assert_array_equal(after[0], 0.0)  # padding_idx: the pad row gets no gradient


@pytest.mark.parametrize("cap", [3.0, 1.5])
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_max_norm_caps_each_class_weight_vector(arch, cap, embeddings):
    model = build_model(
        "torch", arch, "non-static", embeddings, CLASSES, seed=0, max_norm=cap, **SMALL[arch]
    )
    assert model.max_norm == cap
    with torch.no_grad():
        model.output.weight.mul_(100.0)
        model.output.weight[0] = 0.01  # a class already under the cap keeps its weights
    big = model.output.weight.detach().clone()
    small = model.output.weight[0].clone()
    bias = model.output.bias.detach().clone()
    model.apply_max_norm()
    weight = model.output.weight.detach()
    norms = weight.norm(dim=1)
    assert norms.shape == (CLASSES,)
    assert torch.all(norms <= cap + 1e-5)
    assert torch.allclose(norms[1:], torch.tensor(cap), atol=1e-4)
    assert torch.equal(weight[0], small)
    # rescaled, not clipped elementwise: each capped class keeps its direction
    torch.testing.assert_close(weight[1:], big[1:] * (cap / big[1:].norm(dim=1, keepdim=True)))
    assert torch.equal(model.output.bias, bias)  # the bias is not constrained


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_max_norm_none_leaves_the_weights_alone(arch, embeddings):
    model = build_model(
        "torch", arch, "non-static", embeddings, CLASSES, seed=0, max_norm=None, **SMALL[arch]
    )
    assert model.max_norm is None
    with torch.no_grad():
        model.output.weight.mul_(100.0)
    before = {name: value.clone() for name, value in model.state_dict().items()}
    assert torch.all(before["output.weight"].norm(dim=1) > 3.0)
    model.apply_max_norm()
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_max_norm_defaults_to_kims_3(embeddings):
    assert KimCNN(embeddings, CLASSES, "rand").max_norm == 3.0
    assert CBOWClassifier(embeddings, CLASSES, "rand").max_norm == 3.0


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_same_seed_same_initial_model(arch, embeddings, batch):
    def logits(seed):
        return make(arch, "multichannel", embeddings, seed=seed).eval()(batch[0])

    assert torch.equal(logits(7), logits(7))
    assert not torch.equal(logits(7), logits(8))


def test_cbow_ignores_padding(embeddings):
    model = make("cbow", "multichannel", embeddings).eval()
    sentence = [4, 9, 2, 31]
    short = torch.tensor([sentence + [0]])
    long = torch.tensor([sentence + [0] * 20])
    torch.testing.assert_close(model(short), model(long))
    all_pads = model(torch.zeros(1, 5, dtype=torch.int64))
    # a sentence of pads only has zero features (not NaN): its logits are the output bias
    torch.testing.assert_close(all_pads, model.output.bias.detach()[None])


def test_multichannel_cnn_is_kims_two_channel_convolution(embeddings, batch):
    """Conv1d over [fine-tuned; static] vectors == Conv2d, in_channels=2, a window x dim kernel."""
    model = make("cnn", "multichannel", embeddings)
    conv1d = model.convs["conv2"]  # SMALL: windows 2 and 3
    window = conv1d.kernel_size[0]
    conv2d = torch.nn.Conv2d(2, conv1d.out_channels, (window, DIM))
    with torch.no_grad():
        # Conv1d weight [maps, 2 * dim, window] -> Conv2d weight [maps, 2, window, dim]
        conv2d.weight.copy_(conv1d.weight.view(-1, 2, DIM, window).transpose(2, 3))
        conv2d.bias.copy_(conv1d.bias)
        channels = model.channels(batch[0])
        one_d = conv1d(torch.cat(channels, dim=2).transpose(1, 2))
        two_d = conv2d(torch.stack(channels, dim=1)).squeeze(3)
    torch.testing.assert_close(one_d, two_d)


def test_hyperparameters_reach_the_model(embeddings):
    model = build_model(
        "torch",
        "cnn",
        "rand",
        embeddings,
        5,
        windows=(3, 4, 5, 6),
        feature_maps=7,
        dropout=0.3,
        max_norm=2.0,
    )
    assert {name: conv.kernel_size[0] for name, conv in model.convs.items()} == {
        "conv3": 3,
        "conv4": 4,
        "conv5": 5,
        "conv6": 6,
    }
    assert model.output.in_features == 28 and model.output.out_features == 5
    assert model.dropout.p == 0.3
    assert model.max_norm == 2.0
    cbow = build_model("torch", "cbow", "multichannel", embeddings, 5, dropout=0.1, max_norm=None)
    assert cbow.output.in_features == 2 * DIM and cbow.dropout.p == 0.1 and cbow.max_norm is None


@pytest.mark.parametrize(
    "field, value, valid",
    [("backend", "jax", BACKENDS), ("arch", "lstm", ARCHITECTURES), ("mode", "frozen", MODES)],
)
def test_unknown_choices_list_the_valid_ones(field, value, valid, embeddings):
    args = {"backend": "torch", "arch": "cnn", "mode": "static"} | {field: value}
    with pytest.raises(ValueError) as error:
        build_model(args["backend"], args["arch"], args["mode"], embeddings, CLASSES)
    assert value in str(error.value) and all(name in str(error.value) for name in valid)


def test_classes_reject_unknown_mode(embeddings):
    with pytest.raises(ValueError, match="non-static"):
        KimCNN(embeddings, CLASSES, "nonstatic")


def test_importing_torch_models_does_not_import_tensorflow():
    code = (
        "import sys, w2vcnn.models, w2vcnn.models.torch; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
