import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

from conftest import CLASSES, DIM, assert_embedding_step, numpy_forward  # noqa: E402
from w2vcnn.models import ARCHITECTURES, MODES, build_model  # noqa: E402
from w2vcnn.models.keras import build_cbow, build_kim_cnn, embedding_matrix  # noqa: E402

SMALL = {"cnn": {"windows": (2, 3), "feature_maps": 4}, "cbow": {}}


@pytest.fixture
def batch(model_batch):
    return model_batch


def make(arch, mode, embeddings, seed=0):
    return build_model("keras", arch, mode, embeddings, CLASSES, seed=seed, **SMALL[arch])


def compile_adadelta(model):
    model.compile(
        optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )


def numpy_logits(model, tokens):
    """The model's function written out in numpy from its weights (inference: no dropout)."""
    names = [layer.name for layer in model.layers]
    channels = [
        model.get_layer(n).get_weights()[0] for n in ("embedding", "static_embedding") if n in names
    ]
    convs = [model.get_layer(n).get_weights() for n in names if n.startswith("conv")]
    return numpy_forward(tokens, channels, convs, model.get_layer("output").get_weights())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_logits_are_the_numpy_forward_pass(arch, mode, embeddings, batch):
    model = make(arch, mode, embeddings)
    # as after fine-tuning: the two channels of multichannel now differ
    shift = np.random.default_rng(3).normal(0, 0.1, embeddings.shape).astype(np.float32)
    shift[0] = 0
    model.get_layer("embedding").set_weights([embeddings + shift])
    logits = keras.ops.convert_to_numpy(model(batch[0], training=False))
    assert logits.shape == (6, CLASSES)
    np.testing.assert_allclose(logits, numpy_logits(model, batch[0]), rtol=1e-5, atol=1e-6)


def identity_logits(model):
    """Make the output layer pass the features through, so logits == features."""
    dense = model.get_layer("output")
    kernel, bias = dense.get_weights()
    dense.set_weights([np.eye(*kernel.shape, dtype=np.float32), np.zeros_like(bias)])
    return model


def test_cnn_features_are_the_max_over_time_of_relu_convolutions():
    vectors = np.array([[0.0], [1.0], [2.0], [-3.0]], dtype=np.float32)  # 1-d; row 0 the pad
    model = identity_logits(
        build_kim_cnn(vectors, 2, "static", windows=(2,), feature_maps=2, max_norm=None)
    )
    kernel = np.array([[[1.0, 1.0]], [[1.0, -1.0]]], dtype=np.float32)  # [width, 1, maps]
    model.get_layer("conv2").set_weights([kernel, np.zeros(2, np.float32)])
    tokens = np.array([[1, 2, 3, 0, 0], [2, 1, 0, 0, 0]])
    # vectors 1 2 -3 0 0: map 0 (a + b) 3 -1 -3 0 -> 3; map 1 (a - b) -1 5 -3 0 -> 5
    # vectors 2 1 0 0 0:  map 0 3 1 0 0 -> 3;          map 1 1 1 0 0 -> 1
    features = keras.ops.convert_to_numpy(model(tokens, training=False))
    assert features.tolist() == [[3.0, 5.0], [3.0, 1.0]]


def test_cbow_features_are_the_mean_of_the_real_words():
    vectors = np.array([[0, 0], [1, 2], [3, -4], [5, 0]], dtype=np.float32)
    model = identity_logits(build_cbow(vectors, 4, "multichannel", max_norm=None))
    tokens = np.array([[1, 2, 0, 0], [1, 3, 0, 0], [3, 3, 3, 3]])
    means = [[2.0, -1.0], [3.0, 1.0], [5.0, 0.0]]  # not diluted by the pads
    for words, mean in zip(tokens, means):
        np.testing.assert_array_equal(vectors[words[words != 0]].mean(axis=0), mean)
    np.testing.assert_allclose(model(tokens, training=False), [m + m for m in means], rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_one_train_step(arch, mode, embeddings, batch):
    saved = embeddings.copy()
    model = make(arch, mode, embeddings)
    assert model(batch[0]).shape == (6, CLASSES)
    before = embedding_matrix(model)
    dense = model.get_layer("output")
    kernel, bias = dense.get_weights()
    assert kernel.shape == (model.get_layer("output").input.shape[-1], CLASSES)
    dense.set_weights([kernel * 100.0, bias])  # far over the max-norm cap
    compile_adadelta(model)

    model.train_on_batch(*batch)

    after = embedding_matrix(model)
    assert_embedding_step(mode, embeddings, saved, before, after)
    if mode == "multichannel":
        static = model.get_layer("static_embedding")
        assert not static.trainable
        np.testing.assert_array_equal(static.get_weights()[0], saved)
    else:
        assert "static_embedding" not in [layer.name for layer in model.layers]
    np.testing.assert_array_equal(after[0], 0.0)  # pads zeroed in the forward: no gradient
    # MaxNorm(axis=0): each class's incoming weight vector (a column of the kernel) has norm <= 3
    class_norms = np.linalg.norm(dense.get_weights()[0], axis=0)
    assert class_norms.shape == (CLASSES,)
    assert np.all(class_norms <= 3.0 + 1e-5)


def test_max_norm_is_per_class_and_leaves_small_classes_alone(embeddings):
    dense = make("cnn", "static", embeddings).get_layer("output")
    kernel = np.full((dense.input.shape[-1], CLASSES), 0.01, dtype=np.float32)
    kernel[:, 1:] *= 1000.0
    constrained = keras.ops.convert_to_numpy(dense.kernel.constraint(kernel))
    expected_norms = [np.linalg.norm(kernel[:, 0]), 3.0, 3.0]
    np.testing.assert_allclose(np.linalg.norm(constrained, axis=0), expected_norms, rtol=1e-5)
    # not bit-identical: MaxNorm scales every column by clip(norm, 0, 3) / (norm + 1e-7)
    np.testing.assert_allclose(constrained[:, 0], kernel[:, 0], rtol=1e-4)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_max_norm_can_be_switched_off(arch, embeddings, batch):
    model = build_model(
        "keras", arch, "rand", embeddings, CLASSES, seed=0, max_norm=None, **SMALL[arch]
    )
    dense = model.get_layer("output")
    assert dense.kernel.constraint is None
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * 100.0, bias])
    before = np.linalg.norm(dense.get_weights()[0], axis=0)
    assert np.all(before > 3.0)
    compile_adadelta(model)
    model.train_on_batch(*batch)
    after = dense.get_weights()[0]
    assert not np.array_equal(after, kernel * 100.0)  # trained...
    # ...but not capped
    np.testing.assert_allclose(np.linalg.norm(after, axis=0), before, rtol=1e-2)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_same_seed_same_initial_model(arch, embeddings, batch):
    def logits(seed):
        model = make(arch, "multichannel", embeddings, seed=seed)
        return keras.ops.convert_to_numpy(model(batch[0]))

    np.testing.assert_array_equal(logits(7), logits(7))
    assert not np.array_equal(logits(7), logits(8))


def test_cbow_ignores_padding(embeddings):
    model = make("cbow", "multichannel", embeddings)
    sentence = [4, 9, 2, 31]
    short = np.array([sentence + [0]])
    long = np.array([sentence + [0] * 20])
    np.testing.assert_allclose(model(short, training=False), model(long, training=False), rtol=1e-6)


def test_hyperparameters_reach_the_model(embeddings):
    model = build_kim_cnn(
        embeddings, 5, "rand", windows=(3, 4, 5, 6), feature_maps=7, dropout=0.3, max_norm=2.0
    )
    assert [model.get_layer(f"conv{w}").kernel.shape for w in (3, 4, 5, 6)] == [
        (w, DIM, 7) for w in (3, 4, 5, 6)
    ]
    assert model.output.shape == (None, 5)
    assert model.get_layer("output").kernel.shape == (28, 5)
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert [layer.rate for layer in dropouts] == [0.3]
    constraint = model.get_layer("output").kernel.constraint
    assert constraint.max_value == 2.0 and constraint.axis == 0


def test_multichannel_filters_span_both_channels(embeddings, batch):
    model = build_kim_cnn(
        embeddings, CLASSES, "multichannel", windows=(3,), feature_maps=4, max_norm=None
    )
    conv = model.get_layer("conv3")
    assert conv.kernel.shape == (3, 2 * DIM, 4)  # [window, fine-tuned + static vector, maps]

    def logits():
        return keras.ops.convert_to_numpy(model(batch[0], training=False))

    kernel, bias = conv.get_weights()
    kernel[:, DIM:] = 0.0  # the filters now read the fine-tuned channel only
    conv.set_weights([kernel, bias])
    start = logits()
    model.get_layer("static_embedding").set_weights([embeddings * 2.0])
    np.testing.assert_array_equal(logits(), start)
    model.get_layer("embedding").set_weights([embeddings * 2.0])
    assert not np.allclose(logits(), start, atol=1e-4)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_unknown_choices_list_the_valid_ones(arch, embeddings):
    with pytest.raises(ValueError) as error:
        build_model("keras", arch, "nonstatic", embeddings, CLASSES)
    assert all(mode in str(error.value) for mode in MODES)
    with pytest.raises(ValueError, match="cbow"):
        build_model("keras", "rnn", "static", embeddings, CLASSES)
    builder = {"cnn": build_kim_cnn, "cbow": build_cbow}[arch]
    with pytest.raises(ValueError, match="multichannel"):
        builder(embeddings, CLASSES, "two-channel")


def test_importing_keras_models_does_not_import_torch():
    code = "import sys, w2vcnn.models.keras; assert 'torch' not in sys.modules"
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_trainable_changed_after_the_first_step_needs_a_new_compile(embeddings, batch):
    # the trap question 1 shows, and the reason the trainer compiles again when it unfreezes
    model = make("cnn", "non-static", embeddings)
    compile_adadelta(model)
    model.train_on_batch(*batch)  # builds the training function with the embedding trainable
    model.get_layer("embedding").trainable = False
    before = embedding_matrix(model)
    model.train_on_batch(*batch)
    assert not np.array_equal(before, embedding_matrix(model))  # still trained
    compile_adadelta(model)
    before = embedding_matrix(model)
    model.train_on_batch(*batch)
    np.testing.assert_array_equal(before, embedding_matrix(model))  # now frozen
