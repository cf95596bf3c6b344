import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from w2vcnn.models import ARCHITECTURES, BACKENDS, MODES, build_model  # noqa: E402
from w2vcnn.models.torch import CBOWClassifier, KimCNN, embedding_matrix  # noqa: E402

from conftest import CLASSES, DIM, VOCAB, assert_embedding_step  # noqa: E402
SMALL = {"cnn": {"windows": (2, 3), "maps": 4}, "cbow": {}}


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


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_output_is_logits_per_class(arch, mode, embeddings, batch):
    model = make(arch, mode, embeddings)
    assert isinstance(model, {"cnn": KimCNN, "cbow": CBOWClassifier}[arch])
    logits = model(batch[0])
    assert logits.shape == (6, CLASSES) and logits.dtype == torch.float32


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
        assert not np.shares_memory(static.detach().numpy(), model.embedding.weight.detach().numpy())
        np.testing.assert_array_equal(static.detach().numpy(), saved)
    else:
        assert model.static_embedding is None
    np.testing.assert_array_equal(after[0], 0.0)  # padding_idx: the pad row gets no gradient


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_max_norm_caps_each_class_weight_vector(arch, embeddings):
    model = make(arch, "non-static", embeddings)
    with torch.no_grad():
        model.output.weight.mul_(100.0)
        model.output.weight[0] = 0.01  # a class already under the cap keeps its weights
    small = model.output.weight[0].clone()
    model.apply_max_norm(3.0)
    norms = model.output.weight.detach().norm(dim=1)
    assert norms.shape == (CLASSES,)
    assert torch.all(norms <= 3.0 + 1e-5)
    assert torch.allclose(norms[1:], torch.tensor(3.0), atol=1e-4)
    assert torch.equal(model.output.weight[0], small)


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
    assert torch.isfinite(all_pads).all()


def test_multichannel_cnn_is_kims_two_channel_convolution(embeddings, batch):
    """Conv1d over [static; fine-tuned] vectors == Conv2d with in_channels=2 and a window x dim kernel."""
    model = make("cnn", "multichannel", embeddings)
    conv1d = model.convs[0]
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
    model = build_model("torch", "cnn", "rand", embeddings, 5, windows=(3, 4, 5, 6), maps=7, dropout=0.3)
    assert [conv.kernel_size[0] for conv in model.convs] == [3, 4, 5, 6]
    assert model.output.in_features == 28 and model.output.out_features == 5
    assert model.dropout.p == 0.3


@pytest.mark.parametrize("field, value, valid", [
    ("backend", "jax", BACKENDS), ("arch", "lstm", ARCHITECTURES), ("mode", "frozen", MODES)])
def test_unknown_choices_list_the_valid_ones(field, value, valid, embeddings):
    args = {"backend": "torch", "arch": "cnn", "mode": "static"} | {field: value}
    with pytest.raises(ValueError) as error:
        build_model(args["backend"], args["arch"], args["mode"], embeddings, CLASSES)
    assert value in str(error.value) and all(name in str(error.value) for name in valid)


def test_classes_reject_unknown_mode(embeddings):
    with pytest.raises(ValueError, match="non-static"):
        KimCNN(embeddings, CLASSES, "nonstatic")


def test_importing_torch_models_does_not_import_tensorflow():
    code = ("import sys, w2vcnn.models, w2vcnn.models.torch; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
