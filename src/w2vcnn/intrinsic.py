"""Intrinsic checks of word vectors: word similarity (WordSim353, SimLex-999) and Google analogies.

These tell whether vectors trained on our small corpora (or moved by fine-tuning) still encode
general word similarity, next to the extrinsic score of the CNN (question 3). The data sets are the
copies that ship with gensim's test data, so no download is needed. A small vocabulary leaves most
pairs and questions out of vocabulary: every row reports its OOV ratio, and a score is NaN when too
few items are covered to compute it, instead of gensim's exception (similarity) or 0.0 (analogies).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

SIMILARITY = {"WordSim353": "wordsim353.tsv", "SimLex-999": "simlex999.txt"}
ANALOGIES = {"Google analogies": "questions-words.txt"}
COLUMNS = ["benchmark", "metric", "score", "pearson", "oov_ratio", "n_items", "n_covered"]


def mean_cosine(kv: KeyedVectors, pairs: int = 5000, seed: int = 0) -> float:
    """Mean cosine similarity of random pairs of distinct words: how much all vectors point one way.

    Near 0 for well-spread vectors; near 1 when every vector shares one large common direction, as
    word2vec's do after too little training. Such vectors differ by little, so a frozen ("static")
    embedding layer gives the classifier little to tell words apart by.
    """
    if len(kv) < 2:
        raise ValueError("mean_cosine needs at least two words")
    unit = kv.vectors / np.maximum(np.linalg.norm(kv.vectors, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(unit), pairs)
    second = (first + rng.integers(1, len(unit), pairs)) % len(unit)  # never the same word
    return float(np.einsum("ij,ij->i", unit[first], unit[second]).mean())


def neighbours(kv: KeyedVectors, word: str, k: int = 5) -> str:
    """The ``k`` nearest words by cosine, as one readable string ("—" if ``word`` has no vector)."""
    if word not in kv.key_to_index:
        return "— (not in the vocabulary)"
    return ", ".join(f"{w} ({similarity:.2f})" for w, similarity in kv.most_similar(word, topn=k))


def evaluate(kv: KeyedVectors, restrict_vocab: int = 300_000) -> pd.DataFrame:
    """One row per benchmark: score (Spearman rho / analogy accuracy), Pearson r, OOV ratio, counts.

    Matching is case-insensitive. Only the ``restrict_vocab`` most frequent words count as in
    vocabulary, and analogy answers are searched among them (gensim's default, and Mikolov et al.'s
    practice of restricting to frequent words; it also keeps GoogleNews' 3M words tractable).
    ``oov_ratio`` is the fraction of pairs or questions skipped for an out-of-vocabulary word.
    """
    rows = [
        _similarity(kv, name, datapath(file), restrict_vocab) for name, file in SIMILARITY.items()
    ]
    rows += [
        _analogies(kv, name, datapath(file), restrict_vocab) for name, file in ANALOGIES.items()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _similarity(kv: KeyedVectors, name: str, path: str, restrict_vocab: int) -> dict:
    n_items, n_covered = _count_pairs(kv, path, restrict_vocab)
    row = dict(
        benchmark=name,
        metric="spearman",
        score=math.nan,
        pearson=math.nan,
        oov_ratio=1 - n_covered / n_items,
        n_items=n_items,
        n_covered=n_covered,
    )
    if n_covered >= 2:  # below that gensim raises; constant similarities give NaN (warning muted)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pearson, spearman, _ = kv.evaluate_word_pairs(
                path, restrict_vocab=restrict_vocab, case_insensitive=True
            )
        row.update(score=float(spearman[0]), pearson=float(pearson[0]))
    return row


def _count_pairs(kv: KeyedVectors, path: str, restrict_vocab: int) -> tuple[int, int]:
    """Pairs in the file and pairs with both words known, by gensim's own parsing rules."""
    known = {key.upper() for key in kv.index_to_key[:restrict_vocab]}
    n_items = n_covered = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            fields = line.split("\t")
            if line.startswith("#") or len(fields) != 3:
                continue
            try:
                float(fields[2])
            except ValueError:
                continue
            n_items += 1
            n_covered += fields[0].upper() in known and fields[1].upper() in known
    return n_items, n_covered


def _analogies(kv: KeyedVectors, name: str, path: str, restrict_vocab: int) -> dict:
    _, sections = kv.evaluate_word_analogies(
        path, restrict_vocab=restrict_vocab, case_insensitive=True
    )
    total = sections[-1]  # gensim appends the "Total accuracy" section last
    correct, n_covered = len(total["correct"]), len(total["correct"]) + len(total["incorrect"])
    with open(path, encoding="utf-8") as handle:
        n_items = sum(1 for line in handle if not line.startswith(": ") and len(line.split()) == 4)
    return dict(
        benchmark=name,
        metric="accuracy",
        score=correct / n_covered if n_covered else math.nan,
        pearson=math.nan,
        oov_ratio=1 - n_covered / n_items,
        n_items=n_items,
        n_covered=n_covered,
    )
