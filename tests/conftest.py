import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


# Runs small enough for unit tests (the CNN on 600 sentences, 16-d vectors, 2 epochs), one per
# seed on a holdout split: grid(**QUICK) gives no folds.
QUICK = dict(
    split="holdout",
    max_examples=600,
    vector_size=16,
    word2vec_epochs=1,
    feature_maps=4,
    max_epochs=2,
    patience=1,
)


def training(**overrides):
    """The full profile's :class:`~w2vcnn.config.Training`, with ``overrides``."""
    import dataclasses

    from w2vcnn.config import RunConfig

    return dataclasses.replace(RunConfig().parts()[3], **overrides)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One fresh data folder for the module: runs made by one test are cache hits for the next."""
    from w2vcnn._io import data_dir
    from w2vcnn.data import rotten_tomatoes_rows

    rotten_tomatoes_rows()  # fetched once into the usual data folder, then shared by a link
    shared = data_dir() / "rt" / "rotten_tomatoes_corpus_full.csv"
    folder = tmp_path_factory.mktemp("data")
    (folder / "rt").mkdir()
    (folder / "rt" / shared.name).symlink_to(shared)
    patch = pytest.MonkeyPatch()
    patch.setenv("W2VCNN_DATA", str(folder))
    yield folder
    patch.undo()


@pytest.fixture
def isolated_data(tmp_path, monkeypatch):
    """A fresh, empty data folder, so a test can watch exactly what lands in the cache."""
    folder = tmp_path / "data"
    monkeypatch.setenv("W2VCNN_DATA", str(folder))
    return folder


def snapshot(folder):
    """Every file under ``folder`` with its bytes: to prove a failed call changed nothing."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# A tiny model-sized world shared by the PyTorch and Keras model tests.
VOCAB, DIM, CLASSES = 50, 8, 3


@pytest.fixture
def embeddings():
    """A [VOCAB, DIM] matrix like the ones the models get: U[-0.25, 0.25], zero pad row."""
    rng = np.random.default_rng(0)
    matrix = rng.uniform(-0.25, 0.25, (VOCAB, DIM)).astype(np.float32)
    matrix[0] = 0.0
    return matrix


@pytest.fixture
def model_batch():
    """Six sentences of token ids, three right-padded as the batcher pads them, and labels."""
    rng = np.random.default_rng(1)
    tokens = rng.integers(1, VOCAB, (6, 7))
    tokens[:3, 4:] = 0
    return tokens, rng.integers(0, CLASSES, 6)


def assert_embedding_step(mode, embeddings, saved, before, after):
    """After one training step: the caller's matrix and the snapshot are untouched; only a
    trainable mode moved the embedding."""
    np.testing.assert_array_equal(embeddings, saved)  # caller's array untouched
    np.testing.assert_array_equal(before, saved)  # the snapshot is a copy, not a view
    if mode == "static":
        np.testing.assert_array_equal(after, saved)
    else:
        assert not np.array_equal(after, saved)


def numpy_forward(tokens, channels, convs, output):
    """Kim's CNN (or, without ``convs``, the CBOW classifier) written out in numpy, inference mode.

    ``channels``: each embedding matrix of the mode, the fine-tuned one first; ``convs``: one
    ``(kernel [width, in, maps], bias)`` per filter width; ``output``: ``(kernel [in, classes],
    bias)``. Both backends' model tests compare their models with this one function.
    """
    vectors = [matrix[tokens] for matrix in channels]
    if not convs:  # CBOW: the mean of the real words' vectors of each channel
        is_word = (tokens != 0)[:, :, None]
        features = np.concatenate([(v * is_word).sum(1) / is_word.sum(1) for v in vectors], axis=1)
    else:  # ReLU of each filter at each position, then the max over positions
        x = np.concatenate(vectors, axis=2)  # [batch, length, channels * dim]
        pooled = []
        for kernel, bias in convs:
            width = kernel.shape[0]
            windows = [
                np.einsum("bki,kim->bm", x[:, t : t + width], kernel) + bias
                for t in range(x.shape[1] - width + 1)
            ]
            pooled.append(np.maximum(np.stack(windows, axis=2), 0).max(axis=2))
        features = np.concatenate(pooled, axis=1)
    kernel, bias = output
    return features @ kernel + bias


# ---------------------------------------------------------------- accuracy tables

T_975_DF2 = 4.302652729911275  # Student t, 97.5th percentile, 2 degrees of freedom (any t table)


def accuracy_runs(variant, accuracies, dataset="MR", seeds=None):
    """Grid rows of one variant, a run per accuracy (seeds 0, 1, ... unless given)."""
    seeds = range(len(accuracies)) if seeds is None else seeds
    return [
        {"dataset": dataset, "variant": variant, "seed": s, "test_accuracy": acc}
        for s, acc in zip(seeds, accuracies)
    ]


@pytest.fixture
def grid():
    return pd.DataFrame(
        accuracy_runs("static", [0.80, 0.82, 0.84])
        + accuracy_runs("rand", [0.75])
        + accuracy_runs("static", [0.40, 0.42], dataset="SST-1")
        + accuracy_runs("rand", [0.36, 0.38], dataset="SST-1")
    )


@pytest.fixture
def paired():
    a = [0.80, 0.82, 0.81, 0.79, 0.83]
    b = [0.78, 0.81, 0.80, 0.80, 0.80]
    frame = pd.DataFrame(
        accuracy_runs("non-static", a)
        + accuracy_runs("static", b)
        + accuracy_runs("non-static", [0.99], seeds=[7])  # no partner: must be ignored
        + accuracy_runs("static", [0.10], dataset="SST-1", seeds=[0])
    )  # other dataset: ditto
    return frame.sample(frac=1, random_state=0), a, b  # shuffled: pairing is by key, not position


# ---------------------------------------------------------------- grid frames


def grid_frame(configs):
    """A grid's DataFrame as run_grid makes it, with made-up accuracies: for checking selection."""
    from w2vcnn.experiments import RunResult
    from w2vcnn.records import run_row

    rows = [
        run_row(
            RunResult(
                **{
                    **result_fields(c),
                    "test_accuracy": 0.5 + 0.01 * i,
                    "dev_accuracy": 0.5,
                    "test_predictions": [0, 1],
                    "test_labels": [0, 1],
                }
            )
        )
        for i, c in enumerate(configs)
    ]
    return pd.DataFrame(rows)


def result_fields(config):
    return dict(
        run_id=config.key,
        config=config,
        test_accuracy=0.0,
        dev_accuracy=0.0,
        best_epoch=1,
        epochs_run=1,
        train_seconds=1.0,
        sentences_per_second=1.0,
        wall_seconds=1.0,
        curve=[],
        vocab_size=1,
        n_train_words=1,
    )
