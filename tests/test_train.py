import math

import numpy as np
import pytest
import torch

from conftest import training
from w2vcnn import train as train_module
from w2vcnn.config import RunConfig
from w2vcnn.models import BACKENDS, build_model
from w2vcnn.models.torch import KimCNN
from w2vcnn.text import batches
from w2vcnn.train import RowwiseAdadelta, TrainingError, _trainer_for, fit


def test_rowwise_adadelta_equals_dense_adadelta():
    torch.manual_seed(0)
    dense = torch.nn.Parameter(torch.randn(40, 4))  # rows 30-39 are never used
    initial = dense.detach().clone()
    lazy = torch.nn.Parameter(dense.detach().clone())
    reference = torch.optim.Adadelta([dense], lr=1.0, rho=0.95, eps=1e-6)
    rowwise = RowwiseAdadelta(lazy, lr=1.0, rho=0.95, eps=1e-6)
    for step in range(25):
        tokens = torch.randint(0, 30, (3, 2 + step % 4))  # most rows idle most steps
        target = torch.randn(3, 4)
        # the same words, looked up with a dense gradient and with a sparse one
        for weight, sparse, update in ((dense, False, reference.step), (lazy, True, rowwise.step)):
            weight.grad = None
            vectors = torch.nn.functional.embedding(tokens, weight, sparse=sparse)
            ((vectors.sum(1) - target) ** 2).sum().backward()
            update()
    assert torch.allclose(dense, lazy, rtol=1e-5, atol=1e-6)
    # the comparison is not between two untouched matrices: every used row moved far beyond its
    # tolerance, in both; the rows no batch used are exactly as they were, in both
    assert torch.all((dense[:30] - initial[:30]).abs().amax(dim=1) > 1e-2)
    assert torch.equal(lazy[30:], initial[30:]) and torch.equal(dense[30:], initial[30:])


def test_keras_rowwise_adadelta_equals_dense_adadelta():
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    initial = rng.normal(size=(40, 4)).astype(np.float32)  # rows 30-39 are never used
    dense, rowwise = keras.Variable(initial), keras.Variable(initial)
    settings = dict(learning_rate=1.0, rho=0.95, epsilon=1e-6)
    reference = keras.optimizers.Adadelta(**settings)
    optimizer = train_module.keras_rowwise_adadelta(keras)(**settings)
    ever_used = set()
    for step in range(25):
        # most rows idle most steps; a word used twice in a batch gives two slices
        used = rng.integers(0, 30, 3 + step % 4)
        ever_used.update(used.tolist())
        slices = tf.IndexedSlices(
            tf.constant(rng.normal(size=(len(used), 4)), tf.float32),
            tf.constant(used, tf.int64),
            tf.constant([40, 4], tf.int64),
        )
        reference.apply_gradients([(tf.convert_to_tensor(slices), dense)])
        optimizer.apply_gradients([(slices, rowwise)])
    dense, rowwise = np.asarray(dense), np.asarray(rowwise)
    np.testing.assert_allclose(rowwise, dense, rtol=1e-5, atol=1e-6)
    used = sorted(ever_used)
    assert len(used) > 20 and np.all(np.abs(dense[used] - initial[used]).max(axis=1) > 1e-3)
    idle = sorted(set(range(40)) - ever_used)
    np.testing.assert_array_equal(rowwise[idle], initial[idle])


def test_keras_moves_a_word_used_three_times_root_three_times_as_far_unless_summed():
    """Question 1's one-step check: Keras 3 updates a row once per slice of its gradient, so a word
    used three times in a batch moves sqrt(3) times as far with Adadelta, Adam and RMSprop as with
    the summed gradient (SGD, linear, does not differ); our trainer's optimizer sums first."""
    import keras
    import tensorflow as tf

    def moved(optimizer, sliced: bool) -> float:
        weights = keras.Variable(np.zeros((4, 2), np.float32))
        gradient = np.array([[0.3, -0.2]], np.float32)
        values, rows = (np.repeat(gradient, 3, 0), [1, 1, 1]) if sliced else (3 * gradient, [1])
        slices = tf.IndexedSlices(
            tf.constant(values), tf.constant(rows, tf.int64), tf.constant([4, 2], tf.int64)
        )
        optimizer.apply_gradients([(slices, weights)])
        return float(np.linalg.norm(np.asarray(weights)[1]))

    adadelta = dict(learning_rate=1.0, rho=0.95, epsilon=1e-6)
    optimizers = {
        "Adadelta": lambda: keras.optimizers.Adadelta(**adadelta),
        "Adam": keras.optimizers.Adam,
        "RMSprop": keras.optimizers.RMSprop,
    }
    for name, make in optimizers.items():
        assert moved(make(), True) / moved(make(), False) == pytest.approx(math.sqrt(3), rel=1e-3)
    sgd = lambda: keras.optimizers.SGD(learning_rate=0.1)  # noqa: E731
    assert moved(sgd(), True) / moved(sgd(), False) == pytest.approx(1.0, rel=1e-5)
    ours = train_module.keras_rowwise_adadelta(keras)
    assert moved(ours(**adadelta), True) / moved(ours(**adadelta), False) == pytest.approx(1.0)


def test_rowwise_adadelta_skips_a_frozen_matrix():
    weight = torch.nn.Parameter(torch.ones(5, 2), requires_grad=False)
    RowwiseAdadelta(weight, 1.0, 0.95, 1e-6).step()
    assert torch.equal(weight, torch.ones(5, 2))


def test_rowwise_adadelta_refuses_a_dense_gradient_and_changes_nothing():
    weight = torch.nn.Parameter(torch.ones(5, 2))
    weight.grad = torch.ones(5, 2)
    optimizer = RowwiseAdadelta(weight, 1.0, 0.95, 1e-6)
    with pytest.raises(ValueError, match="sparse gradient"):
        optimizer.step()
    assert torch.equal(weight, torch.ones(5, 2))
    assert not optimizer.square_avg.any() and not optimizer.acc_delta.any()


def test_fit_gives_the_model_back_with_a_dense_embedding_gradient():
    # the trainer asks for sparse gradients while it trains; a reader's own optimizer afterwards
    # (torch.optim.Adadelta takes no sparse gradient) must get the model as it was
    model = KimCNN(_matrix(), 2, "non-static", feature_maps=4)
    train = _toy(40)
    fit(model, train, train, train, training(max_epochs=1, batch_size=10))
    assert model.embedding.sparse is False
    model(torch.tensor([[1, 2, 3, 4, 5]])).sum().backward()
    assert not model.embedding.weight.grad.is_sparse


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


def _record_embedding_after_each_epoch(monkeypatch, backend):
    """Spy on the backend's trainer: the embedding after each train_epoch (behaviour unchanged)."""
    trainer_class = {"torch": train_module._TorchTrainer, "keras": train_module._KerasTrainer}[
        backend
    ]
    original = trainer_class.train_epoch
    after_epoch = []

    def train_epoch(self, batch_iter, epoch):
        result = original(self, batch_iter, epoch)
        after_epoch.append(self.embedding_matrix())
        return result

    monkeypatch.setattr(trainer_class, "train_epoch", train_epoch)
    return after_epoch


def test_fit_learns_stops_on_dev_and_reports_throughput(monkeypatch):
    after_epoch = _record_embedding_after_each_epoch(monkeypatch, "torch")
    train, dev, test = _toy(seed=0), _toy(60, seed=1), _toy(60, seed=2)
    # seeded: the initial weights must not depend on the torch RNG state earlier tests left behind
    # (about 1 in 12 seeds stays at chance for the 4 epochs patience 3 allows)
    torch.manual_seed(0)
    model = KimCNN(_matrix(), 2, "non-static", feature_maps=4)
    result = fit(model, train, dev, test, training(max_epochs=30, patience=3, batch_size=10))
    assert result.test_accuracy > 0.9
    dev_curve = [e.dev_accuracy for e in result.curve]
    assert result.dev_accuracy == max(dev_curve)
    assert result.best_epoch == dev_curve.index(max(dev_curve)) + 1
    assert len(result.curve) == result.best_epoch + 3 < 30  # stopped by patience, 3 after the best
    assert result.sentences_per_second > 0
    assert not np.array_equal(result.initial_embeddings, result.final_embeddings)
    # the model and final_embeddings are the best dev epoch's, not the last epoch's
    assert len(after_epoch) == len(result.curve)
    np.testing.assert_array_equal(result.final_embeddings, after_epoch[result.best_epoch - 1])
    assert not np.array_equal(result.final_embeddings, after_epoch[-1])
    np.testing.assert_array_equal(model.embedding_matrix(), result.final_embeddings)


@pytest.mark.parametrize("backend", BACKENDS)
def test_static_model_stays_frozen_without_an_unfreeze_epoch(backend, monkeypatch):
    after_epoch = _record_embedding_after_each_epoch(monkeypatch, backend)
    train, dev, test = _toy(seed=0), _toy(60, seed=1), _toy(60, seed=2)
    matrix = _matrix()
    result = fit(
        build_model(backend, "cnn", "static", matrix, 2, seed=0, feature_maps=4),
        train,
        dev,
        test,
        training(max_epochs=2, patience=5, batch_size=10),
    )
    assert len(after_epoch) == 2
    for embedding in [*after_epoch, result.initial_embeddings, result.final_embeddings]:
        np.testing.assert_array_equal(embedding, matrix)
    assert result.curve[-1].train_loss < result.curve[0].train_loss  # the rest of the model trained


@pytest.mark.parametrize("backend", BACKENDS)
def test_unfreeze_epoch_fine_tunes_from_that_epoch_on(backend, monkeypatch):
    """Frozen in epoch 1, fine-tuned from epoch 2. For Keras this needs the trainer to compile
    again when it unfreezes: ``trainable`` set after the first compile() is ignored in training."""
    after_epoch = _record_embedding_after_each_epoch(monkeypatch, backend)
    train, dev, test = _toy(seed=0), _toy(60, seed=1), _toy(60, seed=2)
    matrix = _matrix()
    saved = matrix.copy()
    model = build_model(backend, "cnn", "static", matrix, 2, seed=0, feature_maps=4)
    result = fit(
        model,
        train,
        dev,
        test,
        training(max_epochs=3, patience=5, batch_size=10, unfreeze_epoch=2),
    )
    assert len(after_epoch) == 3
    np.testing.assert_array_equal(after_epoch[0], saved)  # epoch 1: frozen
    words = np.unique(np.concatenate(train[0]))
    moved = np.abs(after_epoch[1] - saved).max(axis=1)
    assert (moved[words] > 1e-3).mean() > 0.5 and moved[words].max() > 1e-2  # epoch 2: fine-tuned
    assert not np.array_equal(after_epoch[2], after_epoch[1])  # and on in epoch 3
    unused = np.setdiff1d(np.arange(len(saved)), words)  # pad and <unk>, in these sentences
    np.testing.assert_array_equal(after_epoch[2][unused], saved[unused])
    np.testing.assert_array_equal(matrix, saved)  # the caller's array is never written
    np.testing.assert_array_equal(result.initial_embeddings, saved)
    # fit gives back the embedding of the best dev epoch
    np.testing.assert_array_equal(result.final_embeddings, after_epoch[result.best_epoch - 1])


@pytest.mark.parametrize("backend", BACKENDS)
def test_patience_restarts_when_the_embedding_is_unfrozen(backend, monkeypatch):
    """A run whose best dev epoch came while frozen still fine-tunes for ``patience`` epochs."""
    after_epoch = _record_embedding_after_each_epoch(monkeypatch, backend)
    dev_scores = iter([0.9] + [0.5] * 10)  # the best dev accuracy is epoch 1's, then worse
    real_accuracy_of = train_module.accuracy_of
    monkeypatch.setattr(
        train_module,
        "accuracy_of",
        lambda predictions, labels: (
            next(dev_scores) if len(labels) == 60 else real_accuracy_of(predictions, labels)
        ),
    )
    train, dev, test = _toy(seed=0), _toy(60, seed=1), _toy(50, seed=2)
    matrix = _matrix()
    model = build_model(backend, "cnn", "static", matrix, 2, seed=0, feature_maps=4)
    settings = training(max_epochs=8, patience=2, batch_size=10, unfreeze_epoch=4)
    result = fit(model, train, dev, test, settings)
    # frozen in epochs 1-3 (no stop before the unfreeze), fine-tuned in 4 and 5, then stopped
    assert len(result.curve) == 5 and result.best_epoch == 1
    for embedding in after_epoch[:3]:
        np.testing.assert_array_equal(embedding, matrix)
    assert not np.array_equal(after_epoch[3], after_epoch[2])
    assert not np.array_equal(after_epoch[4], after_epoch[3])


@pytest.mark.parametrize("max_norm", [3.0, None])
def test_torch_trainer_applies_the_models_max_norm_after_every_step(max_norm):
    model = KimCNN(_matrix(), 2, "non-static", feature_maps=4, max_norm=max_norm)
    with torch.no_grad():
        model.output.weight.mul_(100.0)
    before = model.output.weight.detach().norm(dim=1)
    assert torch.all(before > 30.0)
    trainer = _trainer_for(model, training())
    trainer.train_epoch(batches(*_toy(40), batch_size=10, seed=0), epoch=1)
    norms = model.output.weight.detach().norm(dim=1)
    if max_norm is None:  # Adadelta's few small steps barely change such long vectors
        torch.testing.assert_close(norms, before, rtol=1e-2, atol=0)
    else:  # capped after the last step; the step itself moves each weight by about sqrt(eps / 0.05)
        assert torch.all(norms <= 3.0 + 1e-5) and torch.all(norms > 2.9)


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(max_epochs=0), "max_epochs must be a positive integer, got 0"),
        (dict(patience=0), "patience must be a positive integer or None, got 0"),
        (dict(batch_size=2.5), "batch_size must be a positive integer, got 2.5"),
    ],
)
def test_bad_settings(bad, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**bad).validated()


def test_an_earlier_stopping_rule_needs_a_run_that_trains_every_epoch():
    model = KimCNN(_matrix(), 2, "non-static", feature_maps=4)
    train = _toy(20)
    before = _weights(model)
    for run, rule in [(dict(patience=3), (2, 1)), (dict(patience=None, max_epochs=2), (3, 1))]:
        with pytest.raises(ValueError, match="an earlier stopping rule reads a run that trains"):
            fit(model, train, train, train, training(**run), stopped_early=[rule])
    assert all(np.array_equal(a, b) for a, b in zip(before, _weights(model)))  # nothing trained


def _weights(model):
    if isinstance(model, torch.nn.Module):
        return [p.detach().cpu().numpy().copy() for p in model.parameters()]
    return model.get_weights()


@pytest.mark.parametrize("backend", ["torch", "keras"])
@pytest.mark.parametrize("mode", ["static", "non-static"])
def test_nan_vectors_are_refused_before_any_step(backend, mode):
    bad = _matrix()
    bad[5] = np.nan
    saved = bad.copy()
    model = build_model(backend, "cnn", mode, bad, 2, seed=0, feature_maps=4)
    initial = _weights(model)
    train = _toy()
    with pytest.raises(TrainingError, match=r"NaN or inf in 1 row\(s\) \(first: row 5\)"):
        fit(model, train, train, train, training(max_epochs=1))
    np.testing.assert_array_equal(bad, saved)  # the caller's matrix (NaN included) untouched
    for before, after in zip(initial, _weights(model), strict=True):  # no step was taken
        np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("backend", ["torch", "keras"])
def test_a_diverging_loss_is_a_clear_error(backend):
    matrix = _matrix()
    saved = matrix.copy()
    model = build_model(backend, "cnn", "non-static", matrix, 2, seed=0, feature_maps=4)
    train = _toy()
    with pytest.raises(
        TrainingError, match=r"(loss became (nan|inf)|training diverged) at epoch 1, batch \d+"
    ):
        fit(model, train, train, train, training(max_epochs=1, learning_rate=1e30))
    np.testing.assert_array_equal(matrix, saved)  # the models copy the caller's matrix


@pytest.mark.parametrize("gpus", [[], ["GPU:0"]])
def test_keras_trainer_records_the_device_tensorflow_places_the_model_on(gpus, monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: gpus)
    model = build_model(
        "keras", "cnn", "rand", np.zeros((5, 4), "float32"), 2, windows=(2,), feature_maps=2
    )
    trainer = _trainer_for(model, training())
    assert trainer.device == ("cuda" if gpus else "cpu")


def test_frozen_rows_never_move_while_the_other_rows_fine_tune():
    train, dev, test = _toy(seed=0), _toy(60, seed=1), _toy(60, seed=2)
    torch.manual_seed(0)
    model = KimCNN(_matrix(), 2, "non-static", feature_maps=4)
    frozen = (2, 3, 5)
    result = fit(
        model,
        train,
        dev,
        test,
        training(max_epochs=3, batch_size=10, frozen_rows="pretrained"),
        pretrained_rows=frozen,
    )
    moved = np.flatnonzero(np.any(result.initial_embeddings != result.final_embeddings, axis=1))
    assert moved.size and not set(moved) & set(frozen)
