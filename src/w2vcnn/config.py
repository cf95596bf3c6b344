"""One run's configuration, and the content key its result is cached under.

A :class:`RunConfig` is written flat (``RunConfig.for_profile(P, mode="non-static")``), as the
command line, :func:`w2vcnn.grids.grid` and the chapters use it, with the full profile's settings
as its defaults. :meth:`RunConfig.parts` composes it into what a run is made of:

* :class:`Data`: the dataset, its split, fold and seed, the share of the training split used;
* the vectors: :class:`RandomRows` (``rand``), :class:`Word2Vec` trained here, a
  :class:`VectorsFile`, or none (TF-IDF);
* the model: :class:`CNN`, :class:`CBOW` or :class:`TfIdf`;
* :class:`Training`: backend, epochs, patience, batches, learning rates, schedule (none for
  TF-IDF, which fits in closed form).

The run's :attr:`~RunConfig.key` covers only the parts the run has, each file it reads by its
content (a dataset or vectors file given by path: the sha256 of what is read, not the name), the
versions of the libraries it computes with (:func:`libraries`), and
the code it computes with (:attr:`RunConfig.code`: for TF-IDF the import closure of
:mod:`w2vcnn.baselines`, for a neural run that of :mod:`w2vcnn.neural` less the other backend's
model), docstrings, comments and layout ignored (:func:`w2vcnn.cache.code_digest`).
Labels and table rows are display code (:mod:`w2vcnn.tables`): changing one retrains nothing.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import numbers
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import cache
from . import profile as profiles
from ._io import DataError
from .choices import (
    ARCHITECTURES,
    BACKENDS,
    BASELINE_ARCHITECTURES,
    FROZEN_ROWS,
    GENERAL,
    GLOVE,
    GLOVE_SIZE,
    GLOVE_WHEEL,
    INITS,
    PADDINGS,
    RUN_MODES,
    WORD2VEC_KINDS,
    check_choice,
)
from .data import dataset_identity

_FULL = profiles.PROFILES["full"]  # a config's defaults are the published study's settings
# The code of each kind of run: the import closure of its root modules (cache.result_code), less
# the other backend's model, which a run never executes (tests/test_cache.py traces runs to check)
_CODE = {
    "tfidf": (("baselines.py", "config.py"), ()),
    "torch": (("neural.py", "config.py"), ("models/keras.py",)),
    "keras": (("neural.py", "config.py"), ("models/torch.py",)),
}


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one run. Same config (and code) -> same numbers, read from the cache.

    The defaults are the full profile's settings; :meth:`for_profile` sizes a config for another.
    """

    dataset: str = "rt-polarity"
    split: str = _FULL.split
    seed: int = 0  # the split's shuffle; with fold and replicate, every other draw (draw_seed)
    fold: int = 0  # k-fold: the fold that is the test set
    # 0: the study's run. r > 0: the same split and training sentences, every other random draw
    # (word2vec, the random rows, the model's weights, the batch order) made anew: seed variance
    replicate: int = 0
    max_examples: int | None = None
    init: str = "skipgram"  # random | skipgram | cbow | path to a word2vec .bin/.txt
    corpus: tuple[str, ...] = ("train", "unlabeled")
    general_max_sentences: int | None = None  # per general-English source (choices.GENERAL)
    vector_size: int = _FULL.vector_size
    word2vec_window: int = 5
    word2vec_negative: int = 5
    word2vec_epochs: int = _FULL.word2vec_epochs
    # gensim's default: rarer words get Kim's random init, not a vector from one or two contexts
    word2vec_min_count: int = 5
    # the initial learning rate: gensim's default for both tasks (word2vec.c gives CBOW 0.05)
    word2vec_alpha: float = 0.025
    arch: str = "cnn"  # cnn | cbow | tfidf
    mode: str = "non-static"  # rand | static | non-static | multichannel | rand-scaled
    backend: str = "torch"  # torch | keras (tfidf: sklearn)
    windows: tuple[int, ...] = (3, 4, 5)
    padding: str = "narrow"  # narrow | wide (Kim's code): see choices.PADDINGS
    feature_maps: int = _FULL.feature_maps
    dropout: float = 0.5
    max_norm: float | None = 3.0  # l2 cap on each class's output weights (Kim); None: none
    max_epochs: int = _FULL.max_epochs
    # epochs without a better dev accuracy before stopping; None: every epoch (Kim's regime)
    patience: int | None = _FULL.patience
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
        for name in ("seed", "fold", "replicate"):
            value = getattr(config, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        config = dataclasses.replace(
            config, seed=int(config.seed), fold=int(config.fold), replicate=int(config.replicate)
        )
        for name in ("max_epochs", "patience", "batch_size"):
            value = getattr(config, name)
            if value is None and name == "patience":
                continue
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                allowed = "a positive integer" + (" or None" if name == "patience" else "")
                raise ValueError(f"{name} must be {allowed}, got {value!r}")
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
        check_choice("mode", config.mode, RUN_MODES)
        check_choice("backend", config.backend, BACKENDS)
        if config.init not in INITS and not Path(config.init).suffix:
            raise ValueError(
                f"unknown init {config.init!r}; valid: {', '.join(INITS)} or a path to a "
                f"word2vec file (.bin, .txt, .vec)"
            )
        if config.init == GLOVE and config.vector_size != GLOVE_SIZE:
            raise ValueError(
                f"init 'glove' is GloVe 6B's {GLOVE_SIZE}-d vectors: give vector_size="
                f"{GLOVE_SIZE}, not {config.vector_size}"
            )
        if config.mode == "rand-scaled" and config.init == "random":
            raise ValueError(
                "mode 'rand-scaled' draws its random rows at the scale of pretrained vectors: "
                "give them as init (skipgram, cbow or a word2vec file), not 'random'"
            )
        if (config.mode == "rand") != (config.init == "random"):
            raise ValueError(
                f"mode 'rand' goes with init 'random' and only with it "
                f"(got mode {config.mode!r}, init {config.init!r})"
            )
        scale = config.embedding_lr_scale
        if not isinstance(scale, numbers.Real) or isinstance(scale, bool) or not scale > 0:
            raise ValueError(f"embedding_lr_scale must be a positive number, got {scale!r}")
        if scale != 1 and config.backend != "torch":
            raise ValueError(
                "embedding_lr_scale scales the embedding's step in the torch backend only (Keras "
                f"optimizers take one learning rate for all weights); got backend "
                f"{config.backend!r} with embedding_lr_scale {scale!r}"
            )
        check_choice("frozen rows", config.frozen_rows, FROZEN_ROWS)
        check_choice("padding", config.padding, PADDINGS)
        if config.padding != "narrow" and config.arch != "cnn":
            raise ValueError(
                f"padding {config.padding!r} is a CNN's: the {config.arch} model has no "
                "convolution to pad for"
            )
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
    def draw_seed(self) -> int:
        """The seed of every random draw but the split's and the training subset's (the random
        rows, the model's weights, the batch order, and word2vec's start where its text depends on
        the fold): one per ``seed``, ``fold`` and :attr:`replicate`. Every variant on a fold draws
        alike, so comparisons stay paired; each fold draws anew, so an interval over folds
        holds the variation of the draws as well as that of the sentences."""
        return _derived_seed(self.seed, self.fold, self.replicate)

    @property
    def word2vec_seed(self) -> int:
        """word2vec's seed: :attr:`draw_seed`, except for vectors trained on general English only,
        which are the same text for every fold and are trained once, like a downloaded
        ``vec.bin`` (their seed leaves the fold out, as :attr:`vectors_key` does)."""
        if set(self.corpus) <= set(GENERAL):
            return _derived_seed(self.seed, None, self.replicate)
        return self.draw_seed

    def stops_early_within(self, other: RunConfig) -> bool:
        """Whether this run is ``other`` stopped by patience within its epochs: ``other`` trains
        every epoch (``patience=None``) for at least as long, and nothing else differs. The
        epochs before a run stops do not depend on its stopping rule, so ``other``'s training
        gives this run's result too (:func:`w2vcnn.train.fit`'s ``stopped_early``)."""
        a, b = self.validated(), other.validated()
        return (
            not a.is_baseline
            and a.patience is not None
            and b.patience is None
            and a.max_epochs <= b.max_epochs
            and dataclasses.replace(a, max_epochs=b.max_epochs, patience=None) == b
        )

    @property
    def is_baseline(self) -> bool:
        """Whether the run is the bag-of-words baseline (no embedding, no training loop)."""
        return self.arch in BASELINE_ARCHITECTURES

    def parts(self) -> tuple[Data, Vectors | None, Model, Training | None]:
        """The run composed: ``(data, vectors, model, training)``; ``vectors`` and ``training``
        are None for TF-IDF."""
        c = self.validated()
        data = Data(
            c.dataset, c.split, c.fold, c.seed, c.max_examples, c.train_fraction, c.replicate
        )
        if c.is_baseline:
            return data, None, TfIdf(), None
        if c.init == "random":
            vectors = RandomRows(c.vector_size)
        elif c.trains_word2vec:
            vectors = Word2Vec(
                kind=c.init,
                corpus=c.corpus,
                size=c.vector_size,
                window=c.word2vec_window,
                negative=c.word2vec_negative,
                epochs=c.word2vec_epochs,
                min_count=c.word2vec_min_count,
                alpha=c.word2vec_alpha,
                general_max_sentences=c.general_max_sentences,
            )
        elif c.init == GLOVE:
            vectors = PublishedVectors(GLOVE_WHEEL[0], GLOVE_WHEEL[2], c.vector_size)
        else:
            vectors = VectorsFile(c.init, c.vector_size)
        if c.arch == "cnn":
            model = CNN(
                c.mode,
                c.windows,
                c.feature_maps,
                c.dropout,
                c.max_norm,
                c.vocab_min_count,
                c.padding,
            )
        else:
            model = CBOW(c.mode, c.dropout, c.max_norm, c.vocab_min_count)
        training = Training(
            backend=c.backend,
            max_epochs=c.max_epochs,
            patience=c.patience,
            batch_size=c.batch_size,
            learning_rate=c.learning_rate,
            embedding_lr_scale=c.embedding_lr_scale,
            unfreeze_epoch=c.unfreeze_epoch,
            frozen_rows=c.frozen_rows,
        )
        return data, vectors, model, training

    @property
    def code(self) -> tuple[str, ...]:
        """The package modules whose code the run's key covers (paths relative to the package)."""
        roots, leave_out = _CODE[self._kind()]
        return cache.result_code(*roots, leave_out=leave_out)

    def _kind(self) -> str:
        """``tfidf``, or the neural run's backend: what picks its code and libraries."""
        c = self.validated()
        return "tfidf" if c.is_baseline else c.backend

    @property
    def key(self) -> str:
        """Content address of the run: its parts (files by content) and the code it runs."""
        data, vectors, model, training = self.parts()
        kind = "tfidf" if training is None else training.backend  # parts() validated the config
        roots, leave_out = _CODE[kind]
        return cache.content_key(
            {
                "data": data.keyed(),
                "vectors": None if vectors is None else vectors.keyed(),
                "model": {type(model).__name__: dataclasses.asdict(model)},
                "training": None if training is None else dataclasses.asdict(training),
                "code": cache.code_digest(*roots, leave_out=leave_out),
                "libraries": libraries(kind),
            }
        )

    @property
    def vectors_key(self) -> str | None:
        """What determines the word vectors the run reads or trains (None: random rows or
        none): two runs with the same ``vectors_key`` share one set, trained once, and the cache
        stores them under it (:func:`w2vcnn.neural.word2vec_vectors`). Fold and split are left
        out where the corpus is general English only (the unlabeled text leaves out the fold's
        dev and test sentences, so it depends on them)."""
        data, vectors, _, _ = self.parts()
        if not isinstance(vectors, (Word2Vec, VectorsFile, PublishedVectors)):
            return None
        if isinstance(vectors, PublishedVectors):  # the same file for every dataset and fold
            return cache.content_key({"vectors": vectors.keyed()})
        keyed = data.keyed()
        del keyed["train_fraction"]  # word2vec reads the whole training split
        if isinstance(vectors, VectorsFile):
            return cache.content_key({"data": keyed, "vectors": vectors.keyed()})
        if set(vectors.corpus) <= set(GENERAL):
            del keyed["split"], keyed["fold"]
        # the code that reads the text, trains the vectors and writes vec.bin, and the seed it
        # draws with: the store keeps them under this key
        trainer = cache.code_digest("data.py", "corpus.py", "embeddings.py", "word2vec_format.py")
        return cache.content_key(
            {
                "data": keyed,
                "vectors": vectors.keyed(),
                "seed": self.word2vec_seed,
                "code": trainer,
            }
        )

    @classmethod
    def from_record(cls, record: dict) -> "RunConfig":
        """A config from its JSON record (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in record.items()})


def _derived_seed(seed: int, fold: int | None, replicate: int) -> int:
    """A 32-bit seed drawn from ``(seed, fold, replicate)`` (``fold`` None: one for every fold)."""
    entropy = [seed, replicate] if fold is None else [seed, fold, replicate]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@dataclass(frozen=True)
class Data:
    """Which sentences: the dataset (a name or a path), its split, test fold, seed and the share of
    the training split the classifier trains on; and which repeat of the run's random draws."""

    dataset: str
    split: str
    fold: int
    seed: int
    max_examples: int | None
    train_fraction: float
    replicate: int

    def keyed(self) -> dict:
        """The fields, the dataset by what it is (a name and its checksum, or a path's content)."""
        return dict(dataclasses.asdict(self), dataset=dataset_identity(self.dataset))


@dataclass(frozen=True)
class RandomRows:
    """Kim's CNN-rand start: every row of the ``size``-dimensional Embedding drawn at random
    (:func:`w2vcnn.embeddings.random_matrix`)."""

    size: int

    def keyed(self) -> dict:
        return {"random": dataclasses.asdict(self)}


@dataclass(frozen=True)
class Word2Vec:
    """Vectors trained here with gensim: ``kind`` skipgram or cbow, on ``corpus``."""

    kind: str
    corpus: tuple[str, ...]
    size: int
    window: int
    negative: int
    epochs: int
    min_count: int
    alpha: float
    general_max_sentences: int | None

    def keyed(self) -> dict:
        return {"word2vec": dataclasses.asdict(self), "gensim": _version("gensim")}


@dataclass(frozen=True)
class VectorsFile:
    """A reader's word2vec file (binary or text) of ``size`` dimensions."""

    path: str
    size: int

    def keyed(self) -> dict:
        """By content: the same vectors under another name are the same run."""
        if not Path(self.path).is_file():
            raise DataError(f"vectors file {self.path} does not exist")
        return {"file": {"sha256": cache.file_digest(self.path), "size": self.size}}


@dataclass(frozen=True)
class PublishedVectors:
    """Vectors a registry package ships (GloVe 6B 50-d: :mod:`w2vcnn.glove`), by the package
    and its pinned sha256: the same vectors wherever they are fetched."""

    package: str
    sha256: str
    size: int

    def keyed(self) -> dict:
        return {"published": dataclasses.asdict(self)}


@dataclass(frozen=True)
class CNN:
    """Kim's CNN: ``feature_maps`` filters of each width in ``windows`` over the word vectors."""

    mode: str
    windows: tuple[int, ...]
    feature_maps: int
    dropout: float
    max_norm: float | None
    vocab_min_count: int
    padding: str


@dataclass(frozen=True)
class CBOW:
    """The fastText-style classifier: the mean of the word vectors, then a linear layer."""

    mode: str
    dropout: float
    max_norm: float | None
    vocab_min_count: int


@dataclass(frozen=True)
class TfIdf:
    """TF-IDF of words and bigrams + logistic regression, C chosen on dev
    (:mod:`w2vcnn.baselines`)."""


Vectors = RandomRows | Word2Vec | VectorsFile | PublishedVectors
Model = CNN | CBOW | TfIdf


@dataclass(frozen=True)
class Training:
    """How a neural classifier is trained: Adadelta with dev early stopping, and its schedule."""

    backend: str
    max_epochs: int
    patience: int | None
    batch_size: int
    learning_rate: float
    embedding_lr_scale: float
    unfreeze_epoch: int | None
    frozen_rows: str


# The libraries each kind of run computes with: a new version may change its numbers (a CUDA
# build of torch carries another version tag than the CPU one, so it keys its own runs).
_LIBRARIES = {
    "torch": (("numpy",), ("torch",)),
    "keras": (("numpy",), ("keras",), ("tensorflow", "tensorflow-cpu")),
    "tfidf": (("numpy",), ("scikit-learn",)),
}


def libraries(kind: str) -> dict[str, str | None]:
    """The installed versions of the libraries a ``kind`` of run (``torch``, ``keras`` or
    ``tfidf``) computes with, by library (word2vec's gensim is in :meth:`Word2Vec.keyed`)."""
    return {names[0]: _version(*names) for names in _LIBRARIES[kind]}


@lru_cache(maxsize=None)
def _version(*distributions: str) -> str | None:
    """The version of the first of ``distributions`` installed (one library under several
    names, e.g. ``tensorflow-cpu``), else None."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None
