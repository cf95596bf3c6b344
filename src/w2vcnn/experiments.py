"""One run = one :class:`RunConfig` -> one :class:`RunResult`, cached by content.

``run(config)`` loads the dataset and its split, trains (or loads) the word vectors, builds the
model, trains it with dev early stopping and scores the test split once. Results are cached under
``data/cache/runs/<key>/`` where the key hashes the config and the source of every module that can
change a result, so chapters share runs, a rebuild retrains nothing, and a code change retrains
exactly what it may have changed. Trained word2vec vectors are cached the same way and shared by all
runs that ask for the same corpus and settings.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import profile as profiles
from ._io import DataError, atomic_write, data_dir, sha256_file
from .corpus import pretraining_corpus
from .data import Dataset, load_dataset
from .models import ARCHITECTURES, BACKENDS, MODES, check_choice
from .text import Vocab, tokenize

INITS = ("random", "skipgram", "cbow")  # or a path to any word2vec file
BASELINE_ARCHITECTURES = ("tfidf",)
# Modules whose source can change a result: editing one retrains the runs that use it; editing
# statistics, plots or the grid runner (grids.py) retrains nothing.
_COMMON_CODE = ("_io.py", "data.py", "text.py", "experiments.py")
_NEURAL_CODE = _COMMON_CODE + ("corpus.py", "embeddings.py", "train.py", "models/__init__.py",
                               "models/torch.py", "models/keras.py")
_BASELINE_CODE = _COMMON_CODE + ("baselines.py",)
_FULL = profiles.PROFILES["full"]  # a config's defaults are the published study's settings


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one run. Same config (and code) -> same numbers, read from the cache."""

    dataset: str = "rt-polarity"
    split: str = "holdout"
    seed: int = 0                      # the split, the word2vec init, the model init and the batches
    fold: int = 0
    max_examples: int | None = None
    init: str = "skipgram"             # random | skipgram | cbow | path to a word2vec .bin/.txt
    corpus: tuple[str, ...] = ("train", "unlabeled")
    vector_size: int = _FULL.vector_size
    word2vec_window: int = 5
    word2vec_negative: int = 5
    word2vec_epochs: int = _FULL.word2vec_epochs
    word2vec_min_count: int = 5        # gensim's default: rarer words get Kim's random init instead
                                       # of a vector trained on one or two contexts
    arch: str = "cnn"                  # cnn | cbow | tfidf
    mode: str = "non-static"           # rand | static | non-static | multichannel
    backend: str = "torch"             # torch | keras (tfidf: sklearn)
    windows: tuple[int, ...] = (3, 4, 5)
    feature_maps: int = _FULL.feature_maps
    dropout: float = 0.5
    max_epochs: int = _FULL.max_epochs
    patience: int = _FULL.patience
    batch_size: int = 50
    learning_rate: float = 1.0
    embedding_lr_scale: float = 1.0
    unfreeze_epoch: int | None = None
    vocab_min_count: int = 1

    @classmethod
    def for_profile(cls, profile: str | profiles.Profile | None = None, **overrides) -> "RunConfig":
        """A config sized by the profile (``$W2VCNN_PROFILE`` by default); ``overrides`` win."""
        p = profile if isinstance(profile, profiles.Profile) else profiles.current(profile)
        sized = dict(max_examples=p.max_examples, vector_size=p.vector_size, word2vec_epochs=p.word2vec_epochs,
                     feature_maps=p.feature_maps, max_epochs=p.max_epochs, patience=p.patience)
        sized.update(overrides)
        return cls(**sized).validated()

    def validated(self) -> "RunConfig":
        """Normalise and check; every bad value gets a ValueError naming the valid ones."""
        config = dataclasses.replace(self, corpus=tuple(self.corpus), windows=tuple(self.windows))
        if config.arch in BASELINE_ARCHITECTURES:
            # a bag-of-words baseline has no embedding: fix the fields that do not apply
            return dataclasses.replace(config, mode="-", init="-", backend="sklearn", corpus=())
        check_choice("architecture", config.arch, ARCHITECTURES + BASELINE_ARCHITECTURES)
        check_choice("mode", config.mode, MODES)
        check_choice("backend", config.backend, BACKENDS)
        if config.init not in INITS and not Path(config.init).suffix:
            raise ValueError(f"unknown init {config.init!r}; valid: {', '.join(INITS)} or a path to a "
                             f"word2vec file (.bin, .txt, .vec)")
        if (config.mode == "rand") != (config.init == "random"):
            raise ValueError(f"mode 'rand' goes with init 'random' and only with it "
                             f"(got mode {config.mode!r}, init {config.init!r})")
        if config.init == "random":
            config = dataclasses.replace(config, corpus=())
        return config

    @property
    def key(self) -> str:
        """Content address of the run: the config and the source of every result-changing module."""
        code = _BASELINE_CODE if self.arch in BASELINE_ARCHITECTURES else _NEURAL_CODE
        payload = json.dumps(dataclasses.asdict(self), sort_keys=True) + _code_digest(code)
        if self.init not in INITS + ("-",):
            payload += sha256_file(self.init)  # a path: its content, not its name
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @property
    def variant(self) -> str:
        """What is compared across seeds, e.g. ``cnn non-static skipgram torch``.

        Settings that a grid varies on purpose (corpus, schedule, word2vec epochs against the
        profile's) are appended, so that two different experiments never share a label.
        """
        init = Path(self.init).name if self.init not in INITS + ("-",) else self.init
        parts = [x for x in (self.arch, self.mode, init, self.backend) if x != "-"]
        if self.corpus not in ((), RunConfig.corpus):
            parts.append("+".join(self.corpus))
        if self.unfreeze_epoch is not None:
            parts.append(f"unfrozen@{self.unfreeze_epoch}")
        if self.embedding_lr_scale != 1.0:
            parts.append(f"embedding-lr×{self.embedding_lr_scale:g}")
        if self.init in ("skipgram", "cbow") and self.word2vec_epochs != profiles.current().word2vec_epochs:
            parts.append(f"word2vec×{self.word2vec_epochs}")  # only when it differs from the profile's
        return " ".join(parts)


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
    wall_seconds: float
    curve: list[dict]
    test_predictions: list[int]
    test_labels: list[int]
    vocab_size: int
    n_train_words: int
    coverage: dict | None = None
    vectors: dict | None = None        # path, sha256 before/after the run, word2vec training stats
    device: str = "cpu"
    cached: bool = False
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        """A flat record for a DataFrame: the config's fields, the variant, the headline numbers."""
        row = {k: v for k, v in dataclasses.asdict(self.config).items()}
        row.update(variant=self.config.variant, run_id=self.run_id, test_accuracy=self.test_accuracy,
                   dev_accuracy=self.dev_accuracy, best_epoch=self.best_epoch, epochs_run=self.epochs_run,
                   train_seconds=self.train_seconds, sentences_per_second=self.sentences_per_second,
                   wall_seconds=self.wall_seconds, cached=self.cached)
        return row

    def embeddings(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """``(words, initial, final)`` embedding matrices of a fine-tuning run, rows in vocab order.

        Rows never seen in a training sentence are stored once: they cannot change (no gradient
        reaches them; ``extra["unseen_rows_max_change"]`` records the check). A ``static`` run
        stores nothing and is rebuilt from its config.
        """
        path = run_dir(self.run_id) / "embeddings.npz"
        if not path.is_file():  # a frozen run stores nothing: its matrix is its initial one
            _, vocab, _, matrix, *_ = prepare(self.config)
            return vocab.itos, matrix, matrix.copy()
        stored = np.load(path, allow_pickle=False)
        initial = stored["initial"]
        final = initial.copy()
        final[: len(stored["final_trained_rows"])] = stored["final_trained_rows"]
        return stored["words"].tolist(), initial, final


# ---------------------------------------------------------------- cache


@lru_cache(maxsize=None)
def _code_digest(names: tuple[str, ...]) -> str:
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for name in names:
        path = root / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path:
    return data_dir() / "cache"


def run_dir(run_id: str) -> Path:
    return cache_dir() / "runs" / run_id


def is_cached(config: RunConfig) -> bool:
    """Whether ``config`` has a finished run in the cache."""
    return (run_dir(config.validated().key) / "result.json").is_file()


def load_result(run_id: str) -> RunResult:
    """A finished run from the cache (``run_id`` as in the grid's DataFrame)."""
    path = run_dir(run_id) / "result.json"
    if not path.is_file():
        raise DataError(f"no finished run {run_id!r} in {cache_dir() / 'runs'}")
    record = json.loads(path.read_text())
    record["config"] = RunConfig(**{k: tuple(v) if isinstance(v, list) else v
                                    for k, v in record["config"].items()})
    record["cached"] = True
    return RunResult(**record)


def _store(result: RunResult, arrays: dict[str, np.ndarray] | None) -> None:
    """Write the run's folder completely elsewhere, then rename it into place: never half a run."""
    final = run_dir(result.run_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{result.run_id}.", dir=final.parent))
    try:
        record = dataclasses.asdict(result)
        record.pop("cached")
        if arrays:
            np.savez(staging / "embeddings.npz", **arrays)
        (staging / "result.json").write_text(json.dumps(record, indent=1))
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------- word vectors


def word2vec_vectors(dataset: Dataset, config: RunConfig):
    """The run's pretrained vectors and a record of where they came from, trained once and cached."""
    from .embeddings import load_vectors, save_vectors, train_word2vec

    if config.init not in ("skipgram", "cbow"):
        path = Path(config.init)
        sha = sha256_file(path)
        return load_vectors(path, expected_dim=config.vector_size), {"path": str(path), "sha256_before": sha}
    corpus = pretraining_corpus(dataset, config.corpus)
    settings = dict(sg=int(config.init == "skipgram"), vector_size=config.vector_size,
                    window=config.word2vec_window, negative=config.word2vec_negative,
                    min_count=config.word2vec_min_count, epochs=config.word2vec_epochs, seed=config.seed)
    import gensim

    key = hashlib.sha256(json.dumps([corpus.digest, settings, gensim.__version__, _code_digest(("embeddings.py",))],
                                    sort_keys=True).encode()).hexdigest()[:16]
    folder = cache_dir() / "word2vec" / f"{config.init}-{key}"
    path = folder / "vec.bin"
    if not (folder / "meta.json").is_file():
        kv = train_word2vec(corpus.sentences, **settings)
        save_vectors(kv, path)
        stats = kv.training_stats
        meta = dict(settings, corpus=list(config.corpus), corpus_sentences=len(corpus),
                    corpus_tokens=corpus.n_tokens, excluded_sentences=corpus.excluded,
                    vocabulary=len(kv), training_seconds=stats.seconds,
                    words_per_second=stats.words_per_second)
        with atomic_write(folder / "meta.json", "w") as out:  # written last: marks the entry complete
            json.dump(meta, out, indent=1)
    meta = json.loads((folder / "meta.json").read_text())
    kv = load_vectors(path, expected_dim=config.vector_size)
    return kv, dict(meta, path=str(path), sha256_before=sha256_file(path))


def pretrain(config: RunConfig) -> None:
    """Train (or find) the word vectors ``config`` starts from, without training the classifier."""
    config = config.validated()
    if config.init in ("skipgram", "cbow"):
        dataset = load_dataset(config.dataset, split=config.split, seed=config.seed, fold=config.fold,
                               max_examples=config.max_examples)
        word2vec_vectors(dataset, config)


# ---------------------------------------------------------------- one run


def prepare(config: RunConfig):
    """Dataset, vocabulary, encoded splits, initial embedding matrix and its provenance for ``config``."""
    from .embeddings import embedding_matrix, random_matrix

    dataset = load_dataset(config.dataset, split=config.split, seed=config.seed, fold=config.fold,
                           max_examples=config.max_examples)
    tokens = [tokenize(t) for t in dataset.texts]
    train_tokens = [tokens[i] for i in dataset.train]
    coverage = vectors_record = kv = None
    if config.init == "random":
        vocab = Vocab.build(train_tokens, config.vocab_min_count)
        matrix = random_matrix(len(vocab), config.vector_size, seed=config.seed)
    else:
        kv, vectors_record = word2vec_vectors(dataset, config)
        # Words of dev/test sentences that the vectors know keep their pretrained vector: a deployed
        # model looking them up in the full vec.bin would do the same. Without a gradient they never
        # change, so this is the full table, minus rows no sentence of the dataset uses.
        extra = sorted({t for sentence in tokens for t in sentence if t in kv.key_to_index})
        vocab = Vocab.build(train_tokens, config.vocab_min_count, extra_words=extra)
        matrix, cov = embedding_matrix(vocab, kv, seed=config.seed)
        coverage = dataclasses.asdict(cov)
    # an empty sentence becomes one <unk>: a mean over zero words would be NaN in Keras
    encoded = [vocab.encode(t) or [Vocab.unk_index] for t in tokens]
    parts = {name: ([encoded[i] for i in getattr(dataset, name)], dataset.labels[getattr(dataset, name)])
             for name in ("train", "dev", "test")}
    return dataset, vocab, parts, matrix, coverage, vectors_record, kv


def run(config: RunConfig, use_cache: bool = True) -> RunResult:
    """Train and score one configuration, or read it from the cache."""
    config = config.validated()
    run_id = config.key
    if use_cache and is_cached(config):
        return load_result(run_id)
    start = time.perf_counter()
    if config.arch in BASELINE_ARCHITECTURES:
        result, arrays = _run_baseline(config, run_id)
    else:
        result, arrays = _run_neural(config, run_id)
    result.wall_seconds = time.perf_counter() - start
    _store(result, arrays)
    return result


def _run_neural(config: RunConfig, run_id: str):
    from .models import build_model
    from .train import TrainSettings, fit

    dataset, vocab, parts, matrix, coverage, vectors_record, _ = prepare(config)
    hyper = dict(dropout=config.dropout)
    if config.arch == "cnn":
        hyper.update(windows=config.windows, maps=config.feature_maps)
    model = build_model(config.backend, config.arch, config.mode, matrix, dataset.n_classes,
                        seed=config.seed, **hyper)
    settings = TrainSettings(max_epochs=config.max_epochs, patience=config.patience,
                             batch_size=config.batch_size, learning_rate=config.learning_rate,
                             embedding_lr_scale=config.embedding_lr_scale,
                             unfreeze_epoch=config.unfreeze_epoch, seed=config.seed)
    fitted = fit(model, parts["train"], parts["dev"], parts["test"], settings)
    if vectors_record is not None:
        # the whole point of question 2: training reads vec.bin, it never writes it
        vectors_record["sha256_after"] = sha256_file(vectors_record["path"])
    unseen = fitted.final_embeddings[vocab.n_train_words:] - fitted.initial_embeddings[vocab.n_train_words:]
    result = RunResult(
        run_id=run_id, config=config, test_accuracy=fitted.test_accuracy, dev_accuracy=fitted.dev_accuracy,
        best_epoch=fitted.best_epoch, epochs_run=len(fitted.curve), train_seconds=fitted.train_seconds,
        sentences_per_second=fitted.sentences_per_second, wall_seconds=0.0,
        curve=[dataclasses.asdict(e) for e in fitted.curve],
        test_predictions=fitted.test_predictions.tolist(), test_labels=parts["test"][1].tolist(),
        vocab_size=len(vocab), n_train_words=vocab.n_train_words, coverage=coverage,
        vectors=vectors_record, device=fitted.device,
        extra={"embedding_changed": bool(np.any(fitted.final_embeddings != fitted.initial_embeddings)),
               "unseen_rows_max_change": float(np.abs(unseen).max()) if unseen.size else 0.0})
    arrays = None
    if config.mode != "static" or config.unfreeze_epoch is not None:
        arrays = {"words": np.array(vocab.itos), "initial": fitted.initial_embeddings,
                  "final_trained_rows": fitted.final_embeddings[: vocab.n_train_words]}
    return result, arrays


def _run_baseline(config: RunConfig, run_id: str):
    from .baselines import tfidf_logistic_regression

    dataset = load_dataset(config.dataset, split=config.split, seed=config.seed, fold=config.fold,
                           max_examples=config.max_examples)
    parts = {name: dataset.part(name) for name in ("train", "dev", "test")}
    scored = tfidf_logistic_regression(parts["train"], parts["dev"], parts["test"], seed=config.seed)
    result = RunResult(
        run_id=run_id, config=config, test_accuracy=scored["test_accuracy"],
        dev_accuracy=scored["dev_accuracy"], best_epoch=0, epochs_run=0,
        train_seconds=scored["train_seconds"], sentences_per_second=len(parts["train"][0]) / scored["train_seconds"],
        wall_seconds=0.0, curve=[], test_predictions=scored["test_predictions"],
        test_labels=parts["test"][1].tolist(), vocab_size=scored["features"], n_train_words=scored["features"],
        extra={"C": scored["C"]})
    return result, None
