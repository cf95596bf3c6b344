"""One run = one :class:`RunConfig` -> one :class:`RunResult`: the study's unit of evidence.

:func:`compute` trains and scores a run: a CNN or CBOW run in :mod:`w2vcnn.neural` (dataset, word
vectors, Embedding matrix, model, dev early stopping, the test split scored once), the TF-IDF
baseline in :mod:`w2vcnn.baselines`; it writes nothing to the run cache. :func:`run` is the cached
form every chapter uses: a finished run is read from :mod:`w2vcnn.cache`, a missing one is
computed and stored.

This module only dispatches, records and stores runs: no computing module imports it, so it is
outside every run's cache key (:attr:`RunConfig.key <w2vcnn.config.RunConfig.key>`).
"""

from __future__ import annotations

import dataclasses
import functools
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import cache
from ._io import DataError
from .choices import INITS
from .config import RunConfig
from .data import dataset_of
from .metrics import balanced_accuracy
from .neural import build_classifier, prepare, pretrain, word2vec_vectors

__all__ = [
    "RunConfig",
    "RunResult",
    "balanced_accuracy",
    "build_classifier",
    "compute",
    "dataset_of",
    "is_cached",
    "load_result",
    "prepare",
    "prepared_run",
    "pretrain",
    "run",
    "word2vec_vectors",
]


def prepared_run(config: RunConfig):
    """:func:`prepare` of a finished run, remembered for the last four (per data folder): what
    reads a run (its drift, its model with the trained or the initial vectors, its test
    sentences) starts from the same preparation several times, and each would build the
    pretraining corpus and tokenise the dataset again (three quarters of question 2's page time
    in the full book). Shared: read it, never change it."""
    return _prepared(config, cache.cache_dir())


@functools.lru_cache(maxsize=4)
def _prepared(config: RunConfig, folder):
    return prepare(config)


@dataclass
class RunResult:
    run_id: str
    config: RunConfig
    test_accuracy: float
    dev_accuracy: float
    best_epoch: int
    epochs_run: int
    train_seconds: float
    sentences_per_second: float
    wall_seconds: float  # 0 for a run read from another's training (extra["read_from"])
    curve: list[dict]
    test_predictions: list[int]
    test_labels: list[int]
    vocab_size: int
    n_train_words: int
    coverage: dict | None = None
    vectors: dict | None = None  # path, sha256 before/after the run, word2vec training stats
    device: str = "cpu"
    cached: bool = False
    extra: dict = field(default_factory=dict)

    def record(self) -> dict:
        """What the cache stores: every field but ``cached``."""
        record = dataclasses.asdict(self)
        record.pop("cached")
        return record

    @classmethod
    def from_record(cls, record: dict) -> "RunResult":
        fields = {f.name for f in dataclasses.fields(cls)} - {"cached"}
        return cls(
            **{
                **{k: v for k, v in record.items() if k in fields},
                "config": RunConfig.from_record(record["config"]),
                "cached": True,
            }
        )

    def embeddings(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """``(words, initial, final)`` embedding matrices of a fine-tuning run, rows in vocab order.

        Rows never seen in a training sentence are stored once: they cannot change (no gradient
        reaches them; ``extra["unseen_rows_max_change"]`` records the check). A ``static`` run
        stores no vectors (only its weights) and is rebuilt from its config.
        """
        stored = self.arrays()
        if "initial" not in stored:  # a frozen run stores no vectors: its matrix is its initial one
            prepared = prepared_run(self.config)
            return list(prepared.vocab.itos), prepared.matrix.copy(), prepared.matrix.copy()
        initial = stored["initial"]
        final = initial.copy()
        final[: len(stored["final_trained_rows"])] = stored["final_trained_rows"]
        return stored["words"].tolist(), initial, final

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays the cache keeps for this run: ``weights/<name>`` for every weight but the
        word vectors; for a run that fine-tunes, ``words``, ``initial`` and
        ``final_trained_rows``."""
        path = cache.run_dir(self.run_id) / "arrays.npz"
        if not path.is_file():
            return {}
        with np.load(path, allow_pickle=False) as stored:
            return dict(stored)


def is_cached(config: RunConfig) -> bool:
    """Whether ``config`` has a finished run in the cache."""
    return cache.has_run(config.validated().key)


def load_result(run_id: str) -> RunResult:
    """A finished run from the cache (``run_id`` as in the grid's DataFrame). :class:`DataError`,
    naming the file, when the run is missing or its record is damaged."""
    record = cache.read_run(run_id)
    try:
        return RunResult.from_record(record)
    except (TypeError, KeyError) as err:
        path = cache.run_dir(run_id) / "result.json"
        raise DataError(
            f"cache entry {path} is corrupt ({err}); delete its folder to retrain the run"
        ) from err


def _moved(result: RunResult, config: RunConfig) -> RunResult:
    """``result`` with ``config`` (the same key: the same content under other paths), and its
    vectors record pointing at the reader's vectors file where ``config`` names one."""
    vectors = result.vectors
    if vectors and config.init not in INITS:  # a reader's vectors file, by its path
        vectors = {**vectors, "path": config.init}
    return dataclasses.replace(result, config=config, vectors=vectors)


def compute(
    config: RunConfig, stopped_early: tuple[RunConfig, ...] = ()
) -> list[tuple[RunResult, dict[str, np.ndarray] | None]]:
    """Train and score ``config``: its :class:`RunResult` and the arrays a cache entry keeps
    (the model's weights; the embedding before and after fine-tuning, unless frozen; None for
    TF-IDF), then those of each run of ``stopped_early``: the same run under an earlier
    stopping rule (:meth:`RunConfig.stops_early_within`), read from the same training. Stores no
    run."""
    config = config.validated()
    stopped_early = tuple(c.validated() for c in stopped_early)
    # keys before any file is read: a file edited meanwhile must not take them
    run_ids = [c.key for c in (config, *stopped_early)]
    start = time.perf_counter()
    if config.is_baseline:  # imported only here: a neural run never loads the baseline's code
        from .baselines import compute_tfidf

        if stopped_early:
            raise ValueError("TF-IDF has no epochs to stop early")
        computed = [compute_tfidf(config)]
    else:
        from .neural import compute_neural

        computed = compute_neural(config, stopped_early)
    wall = time.perf_counter() - start
    results = []
    for run_id, run_config, (fields, arrays) in zip(run_ids, (config, *stopped_early), computed):
        # a run read from another's training cost no time of its own (its train_seconds are
        # those of its epochs); build times count the training once
        seconds = 0.0 if results else wall
        if results:
            fields["extra"] = dict(fields["extra"], read_from=run_ids[0])
        results.append(
            (RunResult(run_id=run_id, config=run_config, wall_seconds=seconds, **fields), arrays)
        )
    return results


def run(config: RunConfig, use_cache: bool = True) -> RunResult:
    """Train and score one configuration, or read it from the cache.

    A cached run is returned with ``config`` as its config: a run keyed by the content of a file
    may have been trained on a copy of it elsewhere. Its record then takes ``config`` too, so that
    :func:`load_result` (and a page that reloads the run's dataset or vectors from its config)
    finds the files where they are now, not where they were when it trained. A cache entry whose
    record is damaged is trained again (with a warning) and replaced.
    """
    config = config.validated()
    if use_cache and is_cached(config):
        try:
            stored = load_result(config.key)
        except DataError as err:
            warnings.warn(f"retraining: {err}", stacklevel=2)
        else:
            if stored.config != config:
                cache.rewrite_record(config.key, _moved(stored, config).record())
            return _moved(stored, config)
    (result, arrays), *_ = compute(config)
    cache.write_run(result.run_id, result.record(), arrays)
    return result
