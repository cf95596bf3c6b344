"""One run = one :class:`RunConfig` -> one :class:`RunResult`: the study's unit of evidence.

:func:`compute` loads the dataset and its split, trains (or finds) the word vectors, builds the
model, trains it with dev early stopping and scores the test split once; it writes no run to the
cache. :func:`run` is the cached form every chapter uses: a finished run is read from
:mod:`w2vcnn.cache`, a missing one is computed and stored. Trained word2vec vectors are cached too,
shared by every run that asks for the same corpus and settings.
"""

from __future__ import annotations

import dataclasses
import numbers
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import cache
from . import profile as profiles
from ._io import DataError, sha256_file
from .corpus import GENERAL, pretraining_corpus
from .data import Dataset, load_dataset, train_subset
from .embeddings import WORD2VEC_KINDS
from .models import ARCHITECTURES, BACKENDS, MODES, check_choice
from .text import Vocab, tokenize

INITS = ("random", *WORD2VEC_KINDS)  # or a path to any word2vec file
FROZEN_ROWS = ("none", "pretrained")
BASELINE_ARCHITECTURES = ("tfidf",)
_FULL = profiles.PROFILES["full"]  # a config's defaults are the published study's settings


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one run. Same config (and code) -> same numbers, read from the cache.

    The defaults are the full profile's settings; :meth:`for_profile` sizes a config for another.
    """

    dataset: str = "rt-polarity"
    split: str = _FULL.split
    seed: int = 0  # the split's shuffle, the word2vec init, the model init and the batches
    fold: int = 0  # k-fold: the fold that is the test set
    max_examples: int | None = None
    init: str = "skipgram"  # random | skipgram | cbow | path to a word2vec .bin/.txt
    corpus: tuple[str, ...] = ("train", "unlabeled")
    general_max_sentences: int | None = None  # per general-English source (corpus.GENERAL)
    vector_size: int = _FULL.vector_size
    word2vec_window: int = 5
    word2vec_negative: int = 5
    word2vec_epochs: int = _FULL.word2vec_epochs
    # gensim's default: rarer words get Kim's random init, not a vector from one or two contexts
    word2vec_min_count: int = 5
    arch: str = "cnn"  # cnn | cbow | tfidf
    mode: str = "non-static"  # rand | static | non-static | multichannel
    backend: str = "torch"  # torch | keras (tfidf: sklearn)
    windows: tuple[int, ...] = (3, 4, 5)
    feature_maps: int = _FULL.feature_maps
    dropout: float = 0.5
    max_norm: float | None = 3.0  # l2 cap on each class's output weights (Kim); None: none
    max_epochs: int = _FULL.max_epochs
    patience: int = _FULL.patience
    batch_size: int = 50
    learning_rate: float = 1.0
    embedding_lr_scale: float = 1.0
    unfreeze_epoch: int | None = None
    # "pretrained": rows that start from a pretrained vector stay frozen, the others fine-tune
    frozen_rows: str = "none"
    vocab_min_count: int = 1
    # the classifier trains on this share of the training split (stratified; a smaller share is a
    # subset of a larger one); word2vec still reads the whole split's text, as unlabeled text
    train_fraction: float = 1.0

    @classmethod
    def for_profile(cls, profile: str | profiles.Profile, **overrides) -> "RunConfig":
        """A config sized by ``profile`` (a :class:`~w2vcnn.profile.Profile` or its name);
        ``overrides`` win."""
        p = profile if isinstance(profile, profiles.Profile) else profiles.named(profile)
        sized = dict(
            max_examples=p.max_examples,
            general_max_sentences=p.general_max_sentences,
            split=p.split,
            vector_size=p.vector_size,
            word2vec_epochs=p.word2vec_epochs,
            feature_maps=p.feature_maps,
            max_epochs=p.max_epochs,
            patience=p.patience,
        )
        sized.update(overrides)
        return cls(**sized).validated()

    def validated(self) -> "RunConfig":
        """Normalise and check; every bad value gets a ValueError naming the valid ones."""
        config = dataclasses.replace(self, corpus=tuple(self.corpus), windows=tuple(self.windows))
        for name in ("seed", "fold"):
            value = getattr(config, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        config = dataclasses.replace(config, seed=int(config.seed), fold=int(config.fold))
        fraction = config.train_fraction
        if not isinstance(fraction, numbers.Real) or not 0 < fraction <= 1:
            raise ValueError(f"train_fraction must be in (0, 1], got {fraction!r}")
        if config.arch in BASELINE_ARCHITECTURES:
            # a bag-of-words baseline has no embedding: fix the fields that do not apply
            return dataclasses.replace(
                config,
                mode="-",
                init="-",
                backend="sklearn",
                corpus=(),
                general_max_sentences=None,
            )
        check_choice("architecture", config.arch, ARCHITECTURES + BASELINE_ARCHITECTURES)
        check_choice("mode", config.mode, MODES)
        check_choice("backend", config.backend, BACKENDS)
        if config.init not in INITS and not Path(config.init).suffix:
            raise ValueError(
                f"unknown init {config.init!r}; valid: {', '.join(INITS)} or a path to a "
                f"word2vec file (.bin, .txt, .vec)"
            )
        if (config.mode == "rand") != (config.init == "random"):
            raise ValueError(
                f"mode 'rand' goes with init 'random' and only with it "
                f"(got mode {config.mode!r}, init {config.init!r})"
            )
        check_choice("frozen rows", config.frozen_rows, FROZEN_ROWS)
        if config.frozen_rows != "none" and (
            config.mode != "non-static" or config.init == "random" or config.backend != "torch"
        ):
            raise ValueError(
                "frozen_rows='pretrained' freezes the pretrained rows of a fine-tuned embedding: "
                f"it needs mode 'non-static', pretrained vectors and the torch backend (got mode "
                f"{config.mode!r}, init {config.init!r}, backend {config.backend!r})"
            )
        if config.init == "random":
            config = dataclasses.replace(config, corpus=())
        if not set(config.corpus) & set(GENERAL):
            config = dataclasses.replace(config, general_max_sentences=None)
        return config

    @property
    def trains_word2vec(self) -> bool:
        """Whether the run starts from vectors the study trains itself (skip-gram or CBOW)."""
        return self.init in WORD2VEC_KINDS

    @property
    def key(self) -> str:
        """Content address of the run: the config and the source of every result-changing module."""
        parts = [dataclasses.asdict(self), cache.code_digest("experiments.py")]
        if self.init not in INITS + ("-",):
            if not Path(self.init).is_file():
                raise DataError(f"vectors file {self.init} does not exist")
            parts.append(cache.file_digest(self.init))  # a path: its content, not its name
        return cache.content_key(*parts)

    @property
    def variant(self) -> str:
        """What is compared across seeds, e.g. ``cnn non-static skipgram torch``: a label for
        tables.

        Settings that differ from the defaults and that a grid varies on purpose (corpus, schedule,
        word2vec epochs, vector size, epochs) are appended, so two different experiments never
        share a label. The label depends on the config alone. Chapters select runs by the config's
        fields, never by label.
        """
        init = Path(self.init).name if self.init not in INITS + ("-",) else self.init
        parts = [x for x in (self.arch, self.mode, init, self.backend) if x != "-"]
        if self.corpus not in ((), RunConfig.corpus):
            parts.append("+".join(self.corpus))
        if self.unfreeze_epoch is not None:
            parts.append(f"unfrozen@{self.unfreeze_epoch}")
        if self.embedding_lr_scale != 1.0:
            parts.append(f"embedding-lr×{self.embedding_lr_scale:g}")
        if self.frozen_rows != "none":
            parts.append(f"{self.frozen_rows} rows frozen")
        if self.train_fraction != 1.0:
            parts.append(f"{self.train_fraction:.0%} of train")
        if self.trains_word2vec and self.word2vec_epochs != RunConfig.word2vec_epochs:
            parts.append(f"word2vec×{self.word2vec_epochs}")
        if self.vector_size != RunConfig.vector_size and self.arch not in BASELINE_ARCHITECTURES:
            parts.append(f"{self.vector_size}-d")
        if self.max_epochs != RunConfig.max_epochs and self.arch not in BASELINE_ARCHITECTURES:
            parts.append(f"≤{self.max_epochs} epochs")
        return " ".join(parts)

    @classmethod
    def from_record(cls, record: dict) -> "RunConfig":
        """A config from its JSON record (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in record.items()})


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
    vectors: dict | None = None  # path, sha256 before/after the run, word2vec training stats
    device: str = "cpu"
    cached: bool = False
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        """A flat record for a DataFrame: the config's fields, the variant, the headline numbers.

        Tuple-valued fields are joined with ``+`` (``corpus="train+unlabeled"``,
        ``windows="3+4+5"``), so a chapter can select runs by them with ``==``.
        """
        row = {
            k: "+".join(map(str, v)) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(self.config).items()
        }
        row.update(
            variant=self.config.variant,
            run_id=self.run_id,
            test_accuracy=self.test_accuracy,
            balanced_accuracy=balanced_accuracy(self.test_predictions, self.test_labels),
            dev_accuracy=self.dev_accuracy,
            best_epoch=self.best_epoch,
            epochs_run=self.epochs_run,
            train_seconds=self.train_seconds,
            sentences_per_second=self.sentences_per_second,
            wall_seconds=self.wall_seconds,
            cached=self.cached,
        )
        return row

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
            prepared = prepare(self.config)
            return prepared.vocab.itos, prepared.matrix, prepared.matrix.copy()
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


def balanced_accuracy(predictions, labels) -> float:
    """The mean of the per-class recalls: accuracy as if every class were equally frequent (a
    58/42 dataset scored on it compares with a 50/50 one; always guessing the majority gets 1/k)."""
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if predictions.shape != labels.shape or labels.size == 0:
        raise ValueError(
            f"balanced_accuracy needs one prediction per label, got {predictions.shape} "
            f"predictions for {labels.shape} labels"
        )
    return float(np.mean([np.mean(predictions[labels == c] == c) for c in np.unique(labels)]))


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


# ---------------------------------------------------------------- word vectors


def word2vec_vectors(dataset: Dataset, config: RunConfig):
    """The run's pretrained vectors and a record of where they came from, trained once and cached.

    A cached ``vec.bin`` that fails its checks (its sha256 sidecar, its structure) is trained anew,
    with a warning, rather than trusted.
    """
    from .embeddings import train_word2vec
    from .word2vec_format import load_vectors, save_vectors

    if not config.trains_word2vec:
        # a reader's own file (GoogleNews: 3 M words): keep only the words this dataset uses
        path = Path(config.init)
        sha = sha256_file(path)
        words = {t for text in dataset.texts for t in tokenize(text)}
        kv = load_vectors(path, expected_dim=config.vector_size, vocabulary=sorted(words))
        return kv, {"path": str(path), "sha256_before": sha, "matched": kv.match_counts}
    corpus = pretraining_corpus(dataset, config.corpus, config.general_max_sentences)
    settings = dict(
        sg=WORD2VEC_KINDS[config.init],
        vector_size=config.vector_size,
        window=config.word2vec_window,
        negative=config.word2vec_negative,
        min_count=config.word2vec_min_count,
        epochs=config.word2vec_epochs,
        seed=config.seed,
    )
    import gensim

    folder = cache.vectors_dir(
        config.init,
        cache.content_key(
            corpus.digest, settings, gensim.__version__, cache.code_digest("embeddings.py")
        ),
    )
    path = folder / "vec.bin"
    meta = cache.read_vectors_meta(folder)
    if meta is not None:
        try:
            kv = load_vectors(path, expected_dim=config.vector_size)
        except DataError as err:
            warnings.warn(f"retraining the cached word vectors: {err}", stacklevel=2)
            meta = None
    if meta is None:
        kv = train_word2vec(corpus.sentences, **settings)
        save_vectors(kv, path)
        stats = kv.training_stats
        meta = dict(
            settings,
            corpus=list(config.corpus),
            corpus_sentences=len(corpus),
            sentences_per_source=corpus.sentences_per_source,
            corpus_tokens=corpus.n_tokens,
            excluded_sentences=corpus.excluded,
            vocabulary=len(kv),
            training_seconds=stats.seconds,
            words_per_second=stats.words_per_second,
        )
        cache.write_vectors_meta(folder, meta)
        # exactly what later runs will read
        kv = load_vectors(path, expected_dim=config.vector_size)
    return kv, dict(meta, path=str(path), sha256_before=sha256_file(path))


def pretrain(config: RunConfig) -> None:
    """Train (or find) the word vectors ``config`` starts from, without training the classifier."""
    config = config.validated()
    if config.trains_word2vec:
        word2vec_vectors(_dataset_of(config), config)


# ---------------------------------------------------------------- one run


@dataclass
class Prepared:
    """What a run starts from (:func:`prepare`): used by :func:`compute` and by question 1's
    page."""

    dataset: Dataset
    vocab: Vocab
    parts: dict  # "train", "dev", "test" -> (encoded sentences, labels)
    matrix: np.ndarray  # the Embedding layer's initial weights, [len(vocab), dim]
    coverage: dict | None  # embeddings.Coverage as a dict; None for random init
    vectors: dict | None  # provenance of the pretrained vectors (path, sha256, stats)
    kv: object | None  # the pretrained KeyedVectors; None for random init
    pretrained: list[int]  # the rows that start from a pretrained vector


def _dataset_of(config: RunConfig) -> Dataset:
    return load_dataset(
        config.dataset,
        split=config.split,
        seed=config.seed,
        fold=config.fold,
        max_examples=config.max_examples,
    )


def prepare(config: RunConfig) -> Prepared:
    """Dataset, vocabulary, encoded splits, initial embedding matrix and its provenance for
    ``config``."""
    from .embeddings import embedding_matrix, pretrained_rows, random_matrix

    dataset = _dataset_of(config)
    kv = vectors_record = coverage = None
    pretrained: list[int] = []
    if config.init != "random":
        kv, vectors_record = word2vec_vectors(dataset, config)  # from the whole training split
    dataset = train_subset(dataset, config.train_fraction, seed=config.seed)
    tokens = [tokenize(t) for t in dataset.texts]
    train_tokens = [tokens[i] for i in dataset.train]
    if config.init == "random":
        vocab = Vocab.build(train_tokens, config.vocab_min_count)
        matrix = random_matrix(len(vocab), config.vector_size, seed=config.seed)
    else:
        # Words of dev/test sentences that the vectors know keep their pretrained vector: a deployed
        # model looking them up in the full vec.bin would do the same. Without a gradient they never
        # change, so this is the full table, minus rows no sentence of the dataset uses.
        extra = sorted({t for sentence in tokens for t in sentence if t in kv.key_to_index})
        vocab = Vocab.build(train_tokens, config.vocab_min_count, extra_words=extra)
        matrix, cov = embedding_matrix(vocab, kv, seed=config.seed)
        coverage = dataclasses.asdict(cov)
        pretrained = pretrained_rows(vocab, kv)
    # an empty sentence becomes one <unk>: a mean over zero words would be NaN in Keras
    encoded = [vocab.encode(t) or [Vocab.unk_index] for t in tokens]
    parts = {
        name: ([encoded[i] for i in getattr(dataset, name)], dataset.labels[getattr(dataset, name)])
        for name in ("train", "dev", "test")
    }
    return Prepared(dataset, vocab, parts, matrix, coverage, vectors_record, kv, pretrained)


def compute(config: RunConfig) -> tuple[RunResult, dict[str, np.ndarray] | None]:
    """Train and score ``config``: its :class:`RunResult` and the arrays a cache entry keeps
    (the model's weights; the embedding before and after fine-tuning, unless frozen; None for
    TF-IDF). Stores no run."""
    config = config.validated()
    start = time.perf_counter()
    if config.arch in BASELINE_ARCHITECTURES:
        result, arrays = _compute_baseline(config)
    else:
        result, arrays = _compute_neural(config)
    result.wall_seconds = time.perf_counter() - start
    return result, arrays


def run(config: RunConfig, use_cache: bool = True) -> RunResult:
    """Train and score one configuration, or read it from the cache.

    A cache entry whose record is damaged is trained again (with a warning) and replaced.
    """
    config = config.validated()
    if use_cache and is_cached(config):
        try:
            return load_result(config.key)
        except DataError as err:
            warnings.warn(f"retraining: {err}", stacklevel=2)
    result, arrays = compute(config)
    cache.write_run(result.run_id, result.record(), arrays)
    return result


def build_classifier(config: RunConfig, matrix: np.ndarray, n_classes: int):
    """The untrained model of ``config`` (its backend, architecture, mode and sizes) on
    ``matrix``, with the run's initial weights (seeded by ``config.seed``)."""
    from .models import build_model

    hyper = dict(dropout=config.dropout, max_norm=config.max_norm)
    if config.arch == "cnn":
        hyper.update(windows=config.windows, maps=config.feature_maps)
    return build_model(
        config.backend, config.arch, config.mode, matrix, n_classes, seed=config.seed, **hyper
    )


def _compute_neural(config: RunConfig):
    from .models import layer_weights
    from .train import TrainSettings, fit

    prepared = prepare(config)
    vocab, parts, vectors_record = prepared.vocab, prepared.parts, prepared.vectors
    model = build_classifier(config, prepared.matrix, prepared.dataset.n_classes)
    settings = TrainSettings(
        max_epochs=config.max_epochs,
        patience=config.patience,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        embedding_lr_scale=config.embedding_lr_scale,
        unfreeze_epoch=config.unfreeze_epoch,
        frozen_rows=tuple(prepared.pretrained) if config.frozen_rows == "pretrained" else (),
        seed=config.seed,
    )
    fitted = fit(model, parts["train"], parts["dev"], parts["test"], settings)
    if vectors_record is not None:
        # the whole point of question 2: training reads vec.bin, it never writes it
        vectors_record["sha256_after"] = sha256_file(vectors_record["path"])
    unseen = (
        fitted.final_embeddings[vocab.n_train_words :]
        - fitted.initial_embeddings[vocab.n_train_words :]
    )
    result = RunResult(
        run_id=config.key,
        config=config,
        test_accuracy=fitted.test_accuracy,
        dev_accuracy=fitted.dev_accuracy,
        best_epoch=fitted.best_epoch,
        epochs_run=len(fitted.curve),
        train_seconds=fitted.train_seconds,
        sentences_per_second=fitted.sentences_per_second,
        wall_seconds=0.0,
        curve=[dataclasses.asdict(e) for e in fitted.curve],
        test_predictions=fitted.test_predictions.tolist(),
        test_labels=parts["test"][1].tolist(),
        vocab_size=len(vocab),
        n_train_words=vocab.n_train_words,
        coverage=prepared.coverage,
        vectors=vectors_record,
        device=fitted.device,
        extra={
            "embedding_changed": bool(np.any(fitted.final_embeddings != fitted.initial_embeddings)),
            "unseen_rows_max_change": float(np.abs(unseen).max()) if unseen.size else 0.0,
        },
    )
    # every weight but the word vectors (small), so the model can be loaded (w2vcnn.load_model)
    arrays = {f"weights/{name}": value for name, value in layer_weights(model).items()}
    if config.mode != "static" or config.unfreeze_epoch is not None:
        arrays.update(
            words=np.array(vocab.itos),
            initial=fitted.initial_embeddings,
            final_trained_rows=fitted.final_embeddings[: vocab.n_train_words],
        )
    return result, arrays


def _compute_baseline(config: RunConfig):
    from .baselines import tfidf_logistic_regression

    dataset = train_subset(_dataset_of(config), config.train_fraction, seed=config.seed)
    parts = {name: dataset.part(name) for name in ("train", "dev", "test")}
    scored = tfidf_logistic_regression(
        parts["train"], parts["dev"], parts["test"], seed=config.seed
    )
    result = RunResult(
        run_id=config.key,
        config=config,
        test_accuracy=scored["test_accuracy"],
        dev_accuracy=scored["dev_accuracy"],
        best_epoch=0,
        epochs_run=0,
        train_seconds=scored["train_seconds"],
        sentences_per_second=len(parts["train"][0]) / scored["train_seconds"],
        wall_seconds=0.0,
        curve=[],
        test_predictions=scored["test_predictions"],
        test_labels=parts["test"][1].tolist(),
        vocab_size=scored["features"],
        n_train_words=scored["features"],
        extra={"C": scored["C"]},
    )
    return result, None
