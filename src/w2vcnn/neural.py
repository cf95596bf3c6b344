"""A neural run, computed: its dataset and split, its word vectors (trained once and cached), its
vocabulary and initial Embedding matrix (:func:`prepare`), its model (:func:`build_classifier`),
trained with dev early stopping and scored on the test split once (:func:`compute_neural`).

This module and what it imports are the code a CNN or CBOW run's cache key covers
(:func:`w2vcnn.cache.result_code`); :mod:`w2vcnn.experiments` wraps what it returns into a
:class:`~w2vcnn.experiments.RunResult` and stores it.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import cache
from ._io import DataError, sha256_file
from .choices import RANDOM_MODES, WORD2VEC_KINDS
from .config import RunConfig
from .corpus import pretraining_corpus
from .data import dataset_of
from .glove import GLOVE, glove_file
from .splits import Dataset, train_subset
from .text import Vocab, tokenize

# ---------------------------------------------------------------- word vectors


def word2vec_vectors(dataset: Dataset, config: RunConfig):
    """The run's pretrained vectors and a record of where they came from, trained once and cached.

    A cached ``vec.bin`` that fails its checks (its sha256 sidecar, its structure) is trained anew,
    with a warning, rather than trusted.
    """
    from .embeddings import train_word2vec
    from .word2vec_format import load_vectors, save_vectors

    if not config.trains_word2vec:
        # a reader's own file (GoogleNews: 3 M words), or GloVe's: keep only the words this
        # dataset uses
        path = glove_file() if config.init == GLOVE else Path(config.init)
        sha = sha256_file(path)
        words = {t for text in dataset.texts for t in tokenize(text)}
        kv = load_vectors(path, expected_dim=config.vector_size, vocabulary=sorted(words))
        return kv, {"path": str(path), "sha256_before": sha, "matched": kv.match_counts}
    settings = dict(
        sg=WORD2VEC_KINDS[config.init],
        vector_size=config.vector_size,
        window=config.word2vec_window,
        negative=config.word2vec_negative,
        min_count=config.word2vec_min_count,
        epochs=config.word2vec_epochs,
        alpha=config.word2vec_alpha,
        seed=config.word2vec_seed,
    )
    folder = cache.vectors_dir(config.init, config.vectors_key)
    path = folder / "vec.bin"
    meta = cache.read_vectors_meta(folder)
    if meta is not None:
        try:
            kv = load_vectors(path, expected_dim=config.vector_size)
        except DataError as err:
            warnings.warn(f"retraining the cached word vectors: {err}", stacklevel=2)
            meta = None
    if meta is None:
        # built only here: a general-English corpus takes seconds, and cached vectors need none
        corpus = pretraining_corpus(dataset, config.corpus, config.general_max_sentences)
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
        word2vec_vectors(dataset_of(config), config)


# ---------------------------------------------------------------- one run


@dataclass
class Prepared:
    """What a run starts from (:func:`prepare`): used by :func:`compute_neural` and by question
    1's page."""

    dataset: Dataset
    vocab: Vocab
    parts: dict  # "train", "dev", "test" -> (encoded sentences, labels)
    matrix: np.ndarray  # the Embedding layer's initial weights, [len(vocab), dim]
    random_scale: float | None  # random rows: drawn from U[-a, a] with this a
    coverage: dict | None  # embeddings.Coverage as a dict; None for random rows
    vectors: dict | None  # provenance of the pretrained vectors (path, sha256, stats)
    kv: object | None  # the pretrained KeyedVectors; None for random init
    pretrained: list[int]  # the rows that start from a pretrained vector


def prepare(config: RunConfig) -> Prepared:
    """Dataset, vocabulary, encoded splits, initial embedding matrix and its provenance for
    ``config``."""
    from .embeddings import embedding_matrix, pretrained_rows, random_matrix, random_scale

    dataset = dataset_of(config)
    kv = vectors_record = coverage = None
    pretrained: list[int] = []
    if config.init != "random":
        kv, vectors_record = word2vec_vectors(dataset, config)  # from the whole training split
    dataset = train_subset(dataset, config.train_fraction, seed=config.seed)
    tokens = [tokenize(t) for t in dataset.texts]
    train_tokens = [tokens[i] for i in dataset.train]
    scale = None
    if config.mode in RANDOM_MODES:
        # rand-scaled: Kim's rand at the scale of the vectors the other modes start from
        scale = 0.25 if config.mode == "rand" else random_scale(kv)
        vocab = Vocab.build(train_tokens, config.vocab_min_count)
        matrix = random_matrix(len(vocab), config.vector_size, seed=config.draw_seed, scale=scale)
    else:
        # Words of dev/test sentences that the vectors know keep their pretrained vector: a deployed
        # model looking them up in the full vec.bin would do the same. Without a gradient they never
        # change, so this is the full table, minus rows no sentence of the dataset uses.
        extra = sorted({t for sentence in tokens for t in sentence if t in kv.key_to_index})
        vocab = Vocab.build(train_tokens, config.vocab_min_count, extra_words=extra)
        matrix, cov = embedding_matrix(vocab, kv, seed=config.draw_seed)
        coverage, scale = dataclasses.asdict(cov), cov.scale
        pretrained = pretrained_rows(vocab, kv)
    encoded = [encode(vocab, t, config) for t in tokens]
    parts = {
        name: ([encoded[i] for i in getattr(dataset, name)], dataset.labels[getattr(dataset, name)])
        for name in ("train", "dev", "test")
    }
    return Prepared(dataset, vocab, parts, matrix, scale, coverage, vectors_record, kv, pretrained)


def encode(vocab: Vocab, tokens: list[str], config: RunConfig) -> list[int]:
    """A sentence's ids as ``config``'s model reads them, in training and in prediction."""
    # an empty sentence becomes one <unk>: a mean over zero words would be NaN in Keras
    ids = vocab.encode(tokens) or [Vocab.unk_index]
    if config.padding == "wide":
        pads = [Vocab.pad_index] * (max(config.windows) - 1)
        ids = pads + ids + pads
    return ids


def build_classifier(config: RunConfig, matrix: np.ndarray, n_classes: int):
    """The untrained model of ``config`` (its backend, architecture, mode and sizes) on
    ``matrix``, with the run's initial weights (seeded by ``config.seed``)."""
    from .models import build_model

    hyper = dict(dropout=config.dropout, max_norm=config.max_norm)
    if config.arch == "cnn":
        hyper.update(windows=config.windows, feature_maps=config.feature_maps)
    mode = "rand" if config.mode in RANDOM_MODES else config.mode  # the rows' scale is the matrix's
    return build_model(
        config.backend, config.arch, mode, matrix, n_classes, seed=config.draw_seed, **hyper
    )


def compute_neural(
    config: RunConfig, stopped_early: tuple[RunConfig, ...] = ()
) -> list[tuple[dict, dict[str, np.ndarray]]]:
    """Train and score a CNN or CBOW run: the fields of its result (all but ``run_id``,
    ``config`` and ``wall_seconds``) and the arrays its cache entry keeps (every weight but the
    word vectors; the vectors before and after, unless frozen throughout).

    ``stopped_early``: runs the same as ``config`` but for an earlier stopping rule
    (:meth:`~w2vcnn.config.RunConfig.stops_early_within` ``config``): the same training read
    under their rules, each a run's fields and arrays as if trained alone, after ``config``'s.
    """
    from .train import fit

    for other in stopped_early:
        if not other.stops_early_within(config):
            raise ValueError(f"{other} is not {config} stopped earlier")
    _, _, _, training = config.parts()
    prepared = prepare(config)
    model = build_classifier(config, prepared.matrix, prepared.dataset.n_classes)
    fitted = fit(
        model,
        *(prepared.parts[part] for part in ("train", "dev", "test")),
        training,
        seed=config.draw_seed,
        pretrained_rows=prepared.pretrained,
        stopped_early=[(other.max_epochs, other.patience) for other in stopped_early],
    )
    if prepared.vectors is not None:
        # the whole point of question 2: training reads vec.bin, it never writes it
        prepared.vectors["sha256_after"] = sha256_file(prepared.vectors["path"])
    return [
        _record(run, prepared, result)
        for run, result in zip((config, *stopped_early), (fitted, *fitted.stopped_early))
    ]


def _record(config: RunConfig, prepared: Prepared, fitted) -> tuple[dict, dict[str, np.ndarray]]:
    """A run's fields and arrays (:func:`compute_neural`) from what ``fit`` returned for it."""
    vocab = prepared.vocab
    unseen = (
        fitted.final_embeddings[vocab.n_train_words :]
        - fitted.initial_embeddings[vocab.n_train_words :]
    )
    fields = dict(
        test_accuracy=fitted.test_accuracy,
        dev_accuracy=fitted.dev_accuracy,
        best_epoch=fitted.best_epoch,
        epochs_run=len(fitted.curve),
        train_seconds=fitted.train_seconds,
        sentences_per_second=fitted.sentences_per_second,
        curve=[dataclasses.asdict(e) for e in fitted.curve],
        test_predictions=fitted.test_predictions.tolist(),
        test_labels=prepared.parts["test"][1].tolist(),
        vocab_size=len(vocab),
        n_train_words=vocab.n_train_words,
        coverage=prepared.coverage,
        vectors=None if prepared.vectors is None else dict(prepared.vectors),
        device=fitted.device,
        extra={
            "random_scale": prepared.random_scale,
            "embedding_changed": bool(np.any(fitted.final_embeddings != fitted.initial_embeddings)),
            "unseen_rows_max_change": float(np.abs(unseen).max()) if unseen.size else 0.0,
        },
    )
    # every weight but the word vectors (small), so the model can be loaded (w2vcnn.load_model)
    arrays = {f"weights/{name}": value for name, value in fitted.layer_weights.items()}
    if config.mode != "static" or config.unfreeze_epoch is not None:
        arrays.update(
            words=np.array(vocab.itos),
            initial=fitted.initial_embeddings,
            final_trained_rows=fitted.final_embeddings[: vocab.n_train_words],
        )
    return fields, arrays
