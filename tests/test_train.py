import numpy as np
import pytest
import torch

from w2vcnn.models.torch import KimCNN
from w2vcnn.train import RowwiseAdadelta, TrainSettings, TrainingError, fit


def test_rowwise_adadelta_equals_dense_adadelta():
    torch.manual_seed(0)
    dense = torch.nn.Parameter(torch.randn(30, 4))
    lazy = torch.nn.Parameter(dense.detach().clone())
    reference = torch.optim.Adadelta([dense], lr=1.0, rho=0.95, eps=1e-6)
    rowwise = RowwiseAdadelta(lazy, lr=1.0, rho=0.95, eps=1e-6)
    for step in range(25):
        tokens = torch.randint(0, 30, (3, 2 + step % 4))  # most rows idle most steps
        target = torch.randn(3, 4)
        for weight, update in ((dense, reference.step), (lazy, lambda: rowwise.step(torch.unique(tokens)))):
            weight.grad = None
            ((weight[tokens].sum(1) - target) ** 2).sum().backward()
            update()
    assert torch.allclose(dense, lazy, rtol=1e-5, atol=1e-6)
    assert not torch.equal(dense, torch.randn(30, 4))


def test_rowwise_adadelta_skips_a_frozen_matrix():
    weight = torch.nn.Parameter(torch.ones(5, 2), requires_grad=False)
    RowwiseAdadelta(weight, 1.0, 0.95, 1e-6).step(torch.tensor([1, 2]))
    assert torch.equal(weight, torch.ones(5, 2))


def _toy(n=120, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    # class 1 sentences contain token 2, class 0 token 3: learnable in a few epochs
    encoded = [list(rng.integers(4, 20, 6)) + [2 + (1 - y)] for y in labels]
    return encoded, labels


def _matrix(vocab=20, dim=8, seed=0):
    matrix = np.random.default_rng(seed).uniform(-0.25, 0.25, (vocab, dim)).astype(np.float32)
    matrix[0] = 0
    return matrix


def test_fit_learns_stops_on_dev_and_reports_throughput():
    train, dev, test = _toy(seed=0), _toy(60, seed=1), _toy(60, seed=2)
    model = KimCNN(_matrix(), 2, "non-static", maps=4)
    result = fit(model, train, dev, test, TrainSettings(max_epochs=30, patience=3, batch_size=10))
    assert result.test_accuracy > 0.9
    dev_curve = [e.dev_accuracy for e in result.curve]
    assert result.dev_accuracy == max(dev_curve) and result.best_epoch == dev_curve.index(max(dev_curve)) + 1
    assert len(result.curve) < 30 or result.best_epoch > 27  # stopped by patience
    assert result.sentences_per_second > 0
    assert not np.array_equal(result.initial_embeddings, result.final_embeddings)


def test_unfreeze_schedule_keeps_the_embedding_frozen_until_then():
    train, dev, test = _toy(seed=0), _toy(60, seed=1), _toy(60, seed=2)
    frozen = fit(KimCNN(_matrix(), 2, "static", maps=4), train, dev, test,
                 TrainSettings(max_epochs=2, patience=5, batch_size=10))
    later = fit(KimCNN(_matrix(), 2, "static", maps=4), train, dev, test,
                TrainSettings(max_epochs=4, patience=5, batch_size=10, unfreeze_epoch=3))
    assert np.array_equal(frozen.initial_embeddings, frozen.final_embeddings)
    assert later.best_epoch < 3 or not np.array_equal(later.initial_embeddings, later.final_embeddings)


def test_bad_settings():
    with pytest.raises(ValueError, match="max_epochs, patience and batch_size must be >= 1"):
        TrainSettings(max_epochs=0)


def test_nan_loss_is_a_clear_error():
    bad = _matrix()
    bad[5] = np.nan
    train = _toy()
    with pytest.raises(TrainingError, match=r"loss became nan at epoch 1, batch \d+"):
        fit(KimCNN(bad, 2, "static", maps=4), train, train, train, TrainSettings(max_epochs=1))
