"""word2vec vectors: train them (skip-gram or CBOW) and turn them into a classifier's embedding
layer.

Reading and writing vectors files is :mod:`w2vcnn.word2vec_format`'s job. Training is
deterministic for a given ``seed`` with ``workers=1``. In gensim 4.x the initial vectors come from
``numpy.random.default_rng(seed)``, not from ``hash(word)`` (gensim's docstring still says
otherwise), so ``PYTHONHASHSEED`` does not matter; the tests check this across processes.
Question 1 builds its Embedding layer with :func:`embedding_matrix`; question 3 trains both kinds
of vectors with :func:`train_word2vec`.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from .text import N_SPECIAL_TOKENS, Vocab

# --------------------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainingStats:
    """How long ``Word2Vec.train`` took: the study compares skip-gram and CBOW speed."""

    sg: int
    epochs: int
    seconds: float  # wall time of training only (vocabulary building excluded)
    raw_words: int  # corpus tokens read, summed over epochs
    effective_words: int  # tokens actually trained on, after min_count and down-sampling

    @property
    def words_per_second(self) -> float:
        """Raw corpus words per second, the figure word2vec.c and Mikolov et al. report."""
        return self.raw_words / self.seconds if self.seconds > 0 else math.inf

    def __str__(self) -> str:
        kind = "skip-gram" if self.sg else "CBOW"
        return (
            f"{kind}: {self.epochs} epochs over {self.raw_words // self.epochs:,} words in "
            f"{self.seconds:.2f} s ({self.words_per_second:,.0f} words/s)"
        )


def train_word2vec(
    corpus: Iterable[Sequence[str]],
    sg: int = 1,
    vector_size: int = 300,
    window: int = 5,
    negative: int = 5,
    min_count: int = 1,
    epochs: int = 5,
    seed: int = 0,
    workers: int = 1,
    sample: float = 1e-3,
    alpha: float = 0.025,
) -> KeyedVectors:
    """Train word2vec with negative sampling (``sg=1`` skip-gram, ``sg=0`` CBOW); return its
    vectors.

    ``corpus`` is a list (or any re-iterable) of token lists: gensim reads it once to build the
    vocabulary and once per epoch. With ``workers=1`` the same seed gives bit-identical vectors;
    more workers are faster but their thread scheduling makes results vary from run to run.
    ``alpha``: the initial learning rate, gensim's default for both tasks (word2vec.c's own
    default is 0.025 for skip-gram and 0.05 for CBOW). The returned ``KeyedVectors`` carries
    ``training_stats`` (:class:`TrainingStats`) and
    ``training_seconds``.
    """
    if sg not in (0, 1):
        raise ValueError(f"sg must be 1 (skip-gram) or 0 (CBOW), got {sg!r}")
    for name, value in [
        ("vector_size", vector_size),
        ("window", window),
        ("negative", negative),
        ("min_count", min_count),
        ("epochs", epochs),
        ("workers", workers),
    ]:
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not alpha > 0:
        raise ValueError(f"alpha (the initial learning rate) must be positive, got {alpha!r}")
    if not 0 <= sample < 1:
        raise ValueError(f"sample (the down-sampling threshold) must be in [0, 1), got {sample!r}")
    if iter(corpus) is corpus:
        raise ValueError(
            "corpus is a one-shot iterator, but word2vec reads it once per epoch "
            "(plus once for the vocabulary): pass a list of token lists"
        )
    first = next(iter(corpus), None)
    if first is None:
        raise ValueError("corpus is empty: nothing to train word2vec on")
    if isinstance(first, str):
        raise ValueError(
            f"corpus must hold token lists, but its first sentence is a string "
            f"({first[:40]!r}); tokenize the sentences first"
        )

    model = Word2Vec(
        sg=sg,
        hs=0,
        vector_size=vector_size,
        window=window,
        negative=negative,
        min_count=min_count,
        epochs=epochs,
        seed=seed,
        workers=workers,
        sample=sample,
        alpha=alpha,
    )
    model.build_vocab(corpus)
    if len(model.wv) == 0:
        raise ValueError(
            f"no word occurs min_count={min_count} times in the corpus: empty vocabulary"
        )
    start = time.perf_counter()
    effective, raw = model.train(corpus, total_examples=model.corpus_count, epochs=epochs)
    seconds = time.perf_counter() - start

    kv = model.wv
    kv.training_stats = TrainingStats(
        sg=sg, epochs=epochs, seconds=seconds, raw_words=int(raw), effective_words=int(effective)
    )
    kv.training_seconds = seconds
    return kv


# ------------------------------------------------------------------------------ embedding layers


@dataclass(frozen=True)
class Coverage:
    """How much of a vocabulary the pretrained vectors cover (``<pad>`` and ``<unk>`` not
    counted)."""

    n_words: int  # vocabulary types
    n_found: int  # of those, types with a pretrained vector
    type_coverage: float  # n_found / n_words
    token_coverage: float  # the same, weighted by training-token counts (vocab.counts)
    scale: float  # a: the other rows (and <unk>) were drawn from U[-a, a]

    def __str__(self) -> str:
        return (
            f"{self.n_found:,} of {self.n_words:,} words have pretrained vectors "
            f"({self.type_coverage:.1%} of types, {self.token_coverage:.1%} of training tokens); "
            f"the other {self.n_words - self.n_found:,} and <unk> drawn from "
            f"U[-{self.scale:.4g}, {self.scale:.4g}]"
        )


def random_matrix(vocab_size: int, dim: int, seed: int = 0, scale: float = 0.25) -> np.ndarray:
    """Kim (2014)'s CNN-rand initialisation: U[-scale, scale] everywhere, zeros for ``<pad>``
    (row 0)."""
    if vocab_size < 1 or dim < 1:
        raise ValueError(f"need vocab_size >= 1 and dim >= 1, got {vocab_size} and {dim}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-scale, scale, size=(vocab_size, dim)).astype(np.float32)
    matrix[Vocab.pad_index] = 0.0
    return matrix


def vector_variance(vectors: np.ndarray, block: int = 1 << 16) -> float:
    """Variance of all entries, in float64 and by blocks (no 3.6 GB temporary for GoogleNews)."""
    total = squares = 0.0
    for start in range(0, len(vectors), block):
        part = vectors[start : start + block].astype(np.float64)
        total += part.sum()
        squares += np.square(part).sum()
    n = vectors.size
    return max(squares / n - (total / n) ** 2, 0.0)


def random_scale(kv: KeyedVectors) -> float:
    """Kim's a = sqrt(3 var) of the pretrained vectors (of the whole file, for
    ``load_vectors(vocabulary=...)``): random rows drawn from U[-a, a] have their variance."""
    # a vocabulary-restricted load remembers the variance of the whole file
    variance = getattr(kv, "source_variance", None)
    return math.sqrt(3.0 * (vector_variance(kv.vectors) if variance is None else variance))


def pretrained_rows(vocab: Vocab, kv: KeyedVectors) -> list[int]:
    """The rows of ``vocab`` that :func:`embedding_matrix` fills from ``kv`` (the others start
    random)."""
    return [i for i in range(N_SPECIAL_TOKENS, len(vocab)) if vocab.itos[i] in kv.key_to_index]


def embedding_matrix(
    vocab: Vocab, kv: KeyedVectors, seed: int = 0, scale: float | None = None
) -> tuple[np.ndarray, Coverage]:
    """The embedding layer's initial weights: pretrained vectors where there are some.

    Row 0 (``<pad>``) is zero. A word found in ``kv`` (exact, case-sensitive match) gets a copy of
    its vector. Every other row, ``<unk>`` included, is drawn from U[-a, a] with
    a = :func:`random_scale` of ``kv``, Kim's choice: the random vectors then have the variance
    of the pretrained ones (var U[-a, a] = a^2/3). ``scale`` sets a directly. The random rows are
    exactly those of ``random_matrix(len(vocab), dim, seed, a)``. Kim's CNN-rand draws every row
    at a = 0.25 instead, so it differs from CNN-static in the rows' scale as well as in the rows
    word2vec knows; the study's ``rand-scaled`` runs draw them at this a. Warns when under half
    the training tokens are covered.
    """
    if len(kv) == 0:
        raise ValueError("the vectors are empty: no word to initialise the embedding layer with")
    a = random_scale(kv) if scale is None else float(scale)
    matrix = random_matrix(len(vocab), kv.vector_size, seed=seed, scale=a)

    rows = pretrained_rows(vocab, kv)
    if rows:
        matrix[rows] = kv.vectors[[kv.key_to_index[vocab.itos[i]] for i in rows]]

    n_words = len(vocab) - N_SPECIAL_TOKENS
    tokens = sum(vocab.counts.get(w, 0) for w in vocab.itos[N_SPECIAL_TOKENS:])
    found_tokens = sum(vocab.counts.get(vocab.itos[i], 0) for i in rows)
    coverage = Coverage(
        n_words=n_words,
        n_found=len(rows),
        type_coverage=len(rows) / n_words if n_words else math.nan,
        token_coverage=found_tokens / tokens if tokens else math.nan,
        scale=a,
    )
    # Tokens, not types: word2vec's min_count leaves most rare words out, which costs little.
    if coverage.token_coverage < 0.5:
        warnings.warn(
            f"vectors cover only {coverage.token_coverage:.1%} of the training tokens "
            f"({coverage.n_found:,} of {coverage.n_words:,} words, "
            f"{coverage.type_coverage:.1%} of the vocabulary); the rest start random. "
            f"Do the vectors match the corpus's language, casing and tokenization?",
            UserWarning,
            stacklevel=2,
        )
    return matrix, coverage
