"""Training with early stopping on the dev split, the same loop for PyTorch and Keras models.

:func:`fit` trains for at most ``max_epochs``, scores the dev split after each epoch, keeps the
weights of the best dev epoch, and scores the test split once, with those weights. The test split
never steers anything.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .config import Training
from .metrics import accuracy_of
from .text import batches


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. the loss became NaN)."""


# Adadelta as Kim: learning rate 1.0 (Training.learning_rate), rho 0.95, eps 1e-6, in both backends
RHO = 0.95
EPSILON = 1e-6


@dataclass
class EpochStats:
    epoch: int
    train_loss: float
    train_accuracy: float
    dev_accuracy: float
    seconds: float


@dataclass
class FitResult:
    curve: list[EpochStats]
    best_epoch: int
    dev_accuracy: float
    test_accuracy: float
    test_predictions: np.ndarray
    train_seconds: float
    sentences_per_second: float
    initial_embeddings: np.ndarray
    final_embeddings: np.ndarray  # of the best dev epoch
    layer_weights: dict[str, np.ndarray]  # of the best dev epoch, every weight but the vectors
    device: str = "cpu"
    # the same training read under an earlier stopping rule each (fit's ``stopped_early``)
    stopped_early: list[FitResult] = field(default_factory=list)


class _StoppingRule:
    """When a run stops and which epoch it keeps: the best dev epoch of at most ``max_epochs``,
    stopping after ``patience`` epochs without a better one (None: never early)."""

    def __init__(self, max_epochs: int, patience: int | None, unfreeze_epoch: int | None):
        self.max_epochs, self.patience, self.unfreeze_epoch = max_epochs, patience, unfreeze_epoch
        self.best = (-1.0, 0, None)  # dev accuracy, epoch, weights
        self.epochs, self.stopped = 0, False

    def update(self, epoch: int, dev_accuracy: float, weights) -> None:
        """Read epoch ``epoch``'s dev accuracy; ``weights()`` gives that epoch's weights."""
        if self.stopped:
            return
        self.epochs = epoch
        if dev_accuracy > self.best[0]:
            self.best = (dev_accuracy, epoch, weights())
        elif self.patience is not None:
            # the fine-tuned phase of a frozen-then-unfrozen run gets its own patience
            since = max(self.best[1], (self.unfreeze_epoch or 1) - 1)
            self.stopped = epoch - since >= self.patience
        self.stopped = self.stopped or epoch >= self.max_epochs


def fit(
    model,
    train,
    dev,
    test,
    training: Training,
    seed: int = 0,
    pretrained_rows: Sequence[int] = (),
    stopped_early: Sequence[tuple[int, int]] = (),
    bucket: bool = True,
) -> FitResult:
    """Train ``model`` (a ``torch.nn.Module`` or a ``keras.Model`` from :mod:`w2vcnn.models`) as
    ``training`` says, its random draws (dropout, the batch order) seeded by ``seed``.

    ``train``, ``dev``, ``test`` are ``(encoded sentences, labels)`` pairs (lists of token ids).
    ``pretrained_rows``: the embedding rows that start from a pretrained vector, kept frozen when
    ``training.frozen_rows == "pretrained"``. ``stopped_early``: ``(max_epochs, patience)`` of
    other stopping rules, each reading the same training as a run with those settings would have
    gone (same seed, same batches: the same epochs up to where it stops): its result in
    ``FitResult.stopped_early``, in order. They need ``training`` to train every epoch
    (``patience=None``) at least as long as each. ``bucket``: length-bucketed batches
    (:func:`w2vcnn.text.batches`).
    """
    rules = [_StoppingRule(training.max_epochs, training.patience, training.unfreeze_epoch)]
    for max_epochs, patience in stopped_early:
        if training.patience is not None or max_epochs > training.max_epochs or patience is None:
            raise ValueError(
                "an earlier stopping rule reads a run that trains every epoch (patience=None) "
                f"for at least as long: got ({max_epochs}, {patience}) of a run with "
                f"max_epochs={training.max_epochs}, patience={training.patience}"
            )
        rules.append(_StoppingRule(max_epochs, patience, training.unfreeze_epoch))
    frozen = tuple(pretrained_rows) if training.frozen_rows == "pretrained" else ()
    trainer = _trainer_for(model, training, seed, frozen)
    initial = trainer.embedding_matrix()
    _check_finite(initial)
    curve: list[EpochStats] = []
    seen: list[int] = []  # sentences trained on, per epoch
    for epoch in range(1, training.max_epochs + 1):
        if training.unfreeze_epoch is not None and epoch == training.unfreeze_epoch:
            trainer.unfreeze_embedding()
        start = time.perf_counter()
        loss, accuracy, n = trainer.train_epoch(
            batches(
                *train,
                batch_size=training.batch_size,
                seed=seed * 1000 + epoch,
                bucket=bucket,
            ),
            epoch,
        )
        seconds = time.perf_counter() - start
        seen.append(n)
        dev_accuracy = accuracy_of(trainer.predict(dev[0]), dev[1])
        curve.append(EpochStats(epoch, loss, accuracy, dev_accuracy, seconds))
        weights = functools.cache(trainer.get_weights)  # copied once, for every rule that keeps it
        for rule in rules:
            rule.update(epoch, dev_accuracy, weights)
        if rules[0].stopped:
            break
    # the earlier rules first: the model ends with the weights of the run's own rule
    results = [_result(trainer, rule, curve, seen, test, initial) for rule in rules[::-1]]
    main = results.pop()
    main.stopped_early = results[::-1]
    return main


def _result(trainer, rule: _StoppingRule, curve, seen, test, initial) -> FitResult:
    """A rule's result: its epochs of the curve, the test split scored once with its best dev
    epoch's weights (the trainer's model is left holding them)."""
    from .models import layer_weights

    dev_accuracy, best_epoch, weights = rule.best
    trainer.set_weights(weights)
    predictions = trainer.predict(test[0])
    curve = curve[: rule.epochs]
    train_time = sum(e.seconds for e in curve)
    return FitResult(
        curve,
        best_epoch,
        dev_accuracy,
        accuracy_of(predictions, test[1]),
        predictions,
        train_time,
        sum(seen[: rule.epochs]) / train_time if train_time else float("nan"),
        initial,
        trainer.embedding_matrix(),
        layer_weights(trainer.model),
        trainer.device,
    )


def _trainer_for(model, training: Training, seed: int = 0, frozen_rows=()):
    module = type(model).__module__
    if hasattr(model, "parameters") and hasattr(model, "state_dict"):
        return _TorchTrainer(model, training, seed, frozen_rows)
    if hasattr(model, "train_on_batch"):
        return _KerasTrainer(model, training, seed, frozen_rows)
    raise TypeError(
        f"cannot train a {type(model).__name__} from {module}: not a torch or keras model"
    )


def _check_finite(embedding: np.ndarray) -> None:
    """Refuse NaN or inf word vectors before the first step: every loss would be NaN (and Keras's
    sparse update fails inside TensorFlow with an unrelated index error)."""
    bad = np.flatnonzero(~np.isfinite(embedding).all(axis=1))
    if bad.size:
        raise TrainingError(
            f"the embedding matrix holds NaN or inf in {bad.size} row(s) (first: row {bad[0]}) "
            f"before training: check the input vectors"
        )


def _check_loss(loss: float, epoch: int, step: int) -> None:
    if not math.isfinite(loss):
        raise TrainingError(
            f"the training loss became {loss} at epoch {epoch}, batch {step}: "
            f"lower the learning rate or check the input vectors for NaN/inf"
        )


def score_batches(score_batch, encoded, batch_size: int = 500) -> np.ndarray:
    """``score_batch`` (token ids [batch, length] -> scores [batch, n]) over every sentence of
    ``encoded``, in batches of similar length: the scores [sentences, n], in the input order."""
    labels = np.zeros(len(encoded), dtype=np.int64)  # labels are not needed to score
    out = None
    for batch in batches(encoded, labels, batch_size=batch_size, shuffle=False):
        scores = np.asarray(score_batch(batch.tokens))
        if out is None:
            out = np.empty((len(encoded), *scores.shape[1:]), dtype=scores.dtype)
        out[batch.index] = scores
    return out if out is not None else np.empty((0, 0), dtype=np.float32)


class RowwiseAdadelta:
    """Adadelta for an embedding matrix, computing only the rows a batch uses; same result as dense.

    Dense Adadelta (``torch.optim.Adadelta``, Kim's Theano code) touches every row every step, but a
    row no sentence of the batch uses has a zero gradient, so its step is zero and its two running
    averages are just multiplied by ``rho``. Applying those ``rho**k`` decays when the row is next
    used gives the same numbers (up to float rounding) at a fraction of the cost: at 20k words x 300
    dimensions the dense update was half of a fine-tuning step's time on CPU.

    The gradient must be sparse (``nn.Embedding(..., sparse=True)``): its rows are the words the
    batch used, so neither a dense [vocab, dim] gradient nor a search for the used rows is needed.
    """

    def __init__(self, weight, lr: float, rho: float, eps: float, frozen_rows=()):
        import torch

        self.weight, self.lr, self.rho, self.eps = weight, lr, rho, eps
        self.trainable = torch.ones(len(weight), dtype=torch.bool, device=weight.device)
        self.trainable[list(frozen_rows)] = False
        self.square_avg = torch.zeros_like(weight)
        self.acc_delta = torch.zeros_like(weight)
        self.last_step = torch.zeros(len(weight), dtype=torch.long, device=weight.device)
        self.step_count = 0

    def step(self) -> None:
        """Update the rows of ``weight.grad`` (a sparse tensor; ``None`` when frozen)."""
        import torch

        self.step_count += 1
        grad = self.weight.grad
        if grad is None:  # frozen
            return
        if not grad.is_sparse:
            raise ValueError("RowwiseAdadelta needs a sparse gradient: nn.Embedding(sparse=True)")
        with torch.no_grad():
            grad = grad.coalesce()  # one row per word, its occurrences summed
            rows, g = grad.indices()[0], grad.values()
            keep = self.trainable[rows]
            rows, g = rows[keep], g[keep]
            missed = (self.step_count - 1 - self.last_step[rows]).unsqueeze(1)
            decay = torch.pow(torch.tensor(self.rho, dtype=g.dtype, device=g.device), missed)
            square_avg = self.square_avg.index_select(0, rows).mul_(decay)
            square_avg.mul_(self.rho).addcmul_(g, g, value=1 - self.rho)
            acc_delta = self.acc_delta.index_select(0, rows).mul_(decay)
            delta = (acc_delta + self.eps).sqrt_().div_((square_avg + self.eps).sqrt_()).mul_(g)
            acc_delta.mul_(self.rho).addcmul_(delta, delta, value=1 - self.rho)
            self.square_avg.index_copy_(0, rows, square_avg)
            self.acc_delta.index_copy_(0, rows, acc_delta)
            self.last_step.index_fill_(0, rows, self.step_count)
            self.weight.index_add_(0, rows, delta, alpha=-self.lr)


class _TorchTrainer:
    def __init__(self, model, training: Training, seed: int, frozen_rows=()):
        import torch

        self.torch, self.model = torch, model
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        model.to(self.device)
        torch.manual_seed(seed)
        rest = [p for name, p in model.named_parameters() if name != "embedding.weight"]
        # Frozen parameters are given to the optimizer too: a frozen tensor has no gradient and is
        # skipped, and unfreezing it later needs no new optimizer.
        # foreach: one call per operation for all tensors; the same numbers as the per-tensor loop
        self.optimizer = torch.optim.Adadelta(
            rest, lr=training.learning_rate, rho=RHO, eps=EPSILON, foreach=True
        )
        self.embedding_optimizer = RowwiseAdadelta(
            model.embedding.weight,
            training.learning_rate * training.embedding_lr_scale,
            RHO,
            EPSILON,
            frozen_rows,
        )
        self.loss = torch.nn.CrossEntropyLoss()

    def train_epoch(self, batch_iter, epoch: int):
        # A sparse gradient holds only the rows the batch used (see RowwiseAdadelta). nn.Embedding
        # reads the flag on every call; the caller gets its model back as it gave it.
        sparse, self.model.embedding.sparse = self.model.embedding.sparse, True
        try:
            return self._train_epoch(batch_iter, epoch)
        finally:
            self.model.embedding.sparse = sparse

    def _train_epoch(self, batch_iter, epoch: int):
        torch = self.torch
        self.model.train()
        total_loss, correct, n = 0.0, 0, 0
        for step, batch in enumerate(batch_iter, 1):
            tokens = torch.from_numpy(batch.tokens).to(self.device)
            labels = torch.from_numpy(batch.labels).to(self.device)
            self.optimizer.zero_grad()
            self.model.embedding.weight.grad = None
            logits = self.model(tokens)
            loss = self.loss(logits, labels)
            _check_loss(loss.item(), epoch, step)
            loss.backward()
            self.optimizer.step()
            self.embedding_optimizer.step()
            self.model.apply_max_norm()
            total_loss += loss.item() * len(labels)
            correct += int((logits.argmax(1) == labels).sum())
            n += len(labels)
        return total_loss / n, correct / n, n

    def predict(self, encoded) -> np.ndarray:
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            # 100 sentences a batch: rt-polarity's dev split in 0.09 s, where 500 took 0.17 s
            # on one thread (a smaller batch's windows stay in the cache; Keras's per-call cost
            # favours 500 there)
            logits = score_batches(
                lambda tokens: self.model(torch.from_numpy(tokens).to(self.device)).cpu().numpy(),
                encoded,
                batch_size=100,
            )
        return logits.argmax(1) if len(logits) else np.empty(0, dtype=np.int64)

    def get_weights(self):
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def set_weights(self, weights) -> None:
        self.model.load_state_dict(weights)

    def embedding_matrix(self) -> np.ndarray:
        return self.model.embedding_matrix()

    def unfreeze_embedding(self) -> None:
        self.model.embedding.weight.requires_grad_(True)


class _KerasTrainer:
    def __init__(self, model, training: Training, seed: int, frozen_rows=()):
        import keras
        import tensorflow as tf

        # TensorFlow places the model on its first GPU when it sees one, as torch takes CUDA
        self.device = "cuda" if tf.config.list_logical_devices("GPU") else "cpu"

        if training.embedding_lr_scale != 1.0 or training.frozen_rows != "none" or frozen_rows:
            raise ValueError(
                "embedding_lr_scale and frozen_rows are implemented for the torch backend only "
                "(Keras optimizers take one learning rate for all weights)"
            )
        self.keras, self.model, self.learning_rate = keras, model, training.learning_rate
        keras.utils.set_random_seed(seed)
        self._compile()

    def _compile(self) -> None:
        keras = self.keras
        # Keras's Adadelta defaults to learning_rate=0.001; Kim (and PyTorch) use 1.0.
        self.model.compile(
            optimizer=keras_rowwise_adadelta(keras)(
                learning_rate=self.learning_rate,
                rho=RHO,
                epsilon=EPSILON,
            ),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )

    def train_epoch(self, batch_iter, epoch: int):
        total_loss, correct, n = 0.0, 0, 0
        for step, batch in enumerate(batch_iter, 1):
            # the batch's loss and accuracy before the update, in training mode, as in the torch
            # loop
            try:
                scores = self.model.train_on_batch(batch.tokens, batch.labels, return_dict=True)
            except Exception as err:
                # Keras's sparse update of the embedding fails inside TensorFlow (an unrelated
                # "indices ... is not in" error) once training has diverged to NaN or inf.
                if all(np.isfinite(w).all() for w in self.model.get_weights()):
                    raise
                raise TrainingError(
                    f"training diverged at epoch {epoch}, batch {step}: the weights hold NaN or "
                    f"inf; lower the learning rate or check the input vectors for NaN/inf"
                ) from err
            loss = float(scores["loss"])
            _check_loss(loss, epoch, step)
            correct += int(round(float(scores["accuracy"]) * len(batch.labels)))
            total_loss += loss * len(batch.labels)
            n += len(batch.labels)
        return total_loss / n, correct / n, n

    def predict(self, encoded) -> np.ndarray:
        logits = score_batches(lambda tokens: self.model(tokens, training=False), encoded)
        return logits.argmax(1) if len(logits) else np.empty(0, dtype=np.int64)

    def get_weights(self):
        return self.model.get_weights()

    def set_weights(self, weights) -> None:
        self.model.set_weights(weights)

    def embedding_matrix(self) -> np.ndarray:
        from .models.keras import embedding_matrix

        return embedding_matrix(self.model)

    def unfreeze_embedding(self) -> None:
        # trainable only takes effect at the next compile(); recompiling restarts Adadelta's state.
        self.model.get_layer("embedding").trainable = True
        self._compile()


def keras_rowwise_adadelta(keras):
    """Keras's :class:`RowwiseAdadelta`: Adadelta, with an embedding's gradient updating only the
    rows the batch used.

    The TensorFlow backend hands the embedding's gradient over as ``tf.IndexedSlices``, one slice
    per *occurrence* of a word. Keras 3's Adadelta updates a row once per slice: a word used k
    times in a batch moved up to sqrt(k) times as far as in PyTorch, Kim's code or dense Adadelta.
    Here the slices of each word are summed first, and only those rows are updated, with the
    ``rho**k`` decays of the steps a row skipped applied when it is next used (as
    :class:`RowwiseAdadelta` does in PyTorch): the same numbers as dense Adadelta
    (``tests/test_models_agree.py``), without updating the whole [vocab, dim] matrix every step.
    """
    import tensorflow as tf

    class RowwiseAdadelta(keras.optimizers.Adadelta):
        def build(self, var_list):
            super().build(var_list)
            # the step after which each row was last updated (per variable; used by embeddings)
            self._last_step = [
                self.add_variable(v.shape[:1], dtype="int64", name=f"{v.name}_last_step")
                for v in var_list
            ]

        def update_step(self, grad, variable, learning_rate):
            if not isinstance(grad, tf.IndexedSlices):
                return super().update_step(grad, variable, learning_rate)
            index = self._get_variable_index(variable)
            square_avg = self._accumulated_grads[index].value
            acc_delta = self._accumulated_delta_vars[index].value
            last_step = self._last_step[index].value
            rows, occurrence_row = tf.unique(grad.indices)
            g = tf.math.unsorted_segment_sum(grad.values, occurrence_row, tf.size(rows))
            done = tf.cast(self.iterations, tf.int64)  # steps finished before this one
            missed = tf.cast(done - tf.gather(last_step, rows), g.dtype)[:, None]
            decay = tf.pow(tf.cast(self.rho, g.dtype), missed)
            sq = tf.gather(square_avg, rows) * decay * self.rho + (1 - self.rho) * g * g
            previous_delta = tf.gather(acc_delta, rows) * decay
            delta = tf.sqrt(previous_delta + self.epsilon) / tf.sqrt(sq + self.epsilon) * g
            ad = previous_delta * self.rho + (1 - self.rho) * delta * delta
            square_avg.scatter_update(tf.IndexedSlices(sq, rows))
            acc_delta.scatter_update(tf.IndexedSlices(ad, rows))
            last_step.scatter_update(tf.IndexedSlices(tf.fill(tf.shape(rows), done + 1), rows))
            lr = tf.cast(learning_rate, g.dtype)
            variable.scatter_sub(tf.IndexedSlices(lr * delta, rows))

    return RowwiseAdadelta
