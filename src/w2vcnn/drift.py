"""How fine-tuning moved the word vectors: per-word drift, nearest neighbours, a shared 2-D view.

The book's question 2 asks whether fine-tuning changes ``vec.bin`` or only the matrix in memory.
The file is never written (the run records its hash before and after); the in-memory embedding
matrix is what moves. These helpers show *how* it moves, from the ``(words, initial, final)``
triple of :meth:`w2vcnn.experiments.RunResult.embeddings`:

* :func:`drift_table` -- one row per word: how far its vector turned (cosine distance) and moved
  (l2), next to how often it occurs in training sentences;
* :func:`drift_summary` -- the same, split by "seen in a training sentence or not": words never
  seen get no gradient, so their drift is exactly 0;
* :func:`nearest_neighbours` -- Kim (2014)'s Table 3: a word's neighbours before and after;
* :func:`projection_2d` -- one PCA for the vectors before and after, so arrows can be drawn;
* :func:`word_drift`, :func:`run_drift`, :func:`angle_by_decile` -- a run's drift by frequency and
  by polarity under the training labels, its neighbours and cos(good, bad), for comparing runs
  over folds (:func:`w2vcnn.analyses.drift_over_folds`);
* :func:`swap_back` -- the fine-tuned model scored with its initial vectors put back: the accuracy
  the drift carries.

Distances are plain fractions in the frames (0.12, not 12%), like everywhere in the package.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import DataError, atomic_write
from .text import N_SPECIAL_TOKENS, SPECIAL_TOKENS

DEFAULT_QUERIES = ("good", "bad", "great", "worst", "n't", "!")  # Kim (2014), Table 3


def cosine_distance(a, b) -> np.ndarray:
    """Row-wise ``1 - cos(a_i, b_i)`` in [0, 2], as float64.

    Identical rows give exactly 0, including two zero rows (the ``<pad>`` vector), so "did not
    move" is an exact test rather than a rounding question. A zero row against a non-zero one has
    no angle; it counts as orthogonal (distance 1).
    """
    a, b = (
        np.atleast_2d(np.asarray(a, dtype=np.float64)),
        np.atleast_2d(np.asarray(b, dtype=np.float64)),
    )
    if a.shape != b.shape:
        raise ValueError(
            f"cosine_distance needs matrices of one shape, got {a.shape} and {b.shape}"
        )
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = np.einsum("ij,ij->i", a, b)
    cosine = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    distance = np.clip(1.0 - cosine, 0.0, 2.0)
    distance[np.all(a == b, axis=1)] = 0.0  # rounding would otherwise leave ~1e-16 on unmoved rows
    return distance


def cosine_between(words: Sequence[str], matrix: np.ndarray, a: str, b: str) -> float:
    """Cosine similarity of the rows of words ``a`` and ``b`` (``words`` names the rows); NaN
    where either is not among them."""
    if a not in words or b not in words:
        return math.nan
    row_a, row_b = matrix[words.index(a)], matrix[words.index(b)]
    return float(1 - cosine_distance(row_a, row_b)[0])


def drift_table(
    words: Sequence[str],
    initial: np.ndarray,
    final: np.ndarray,
    counts: Mapping[str, int] | None,
    n_train_words: int,
) -> pd.DataFrame:
    """One row per real word: ``word``, ``count``, ``cosine_distance``, ``l2_change``,
    ``seen_in_training``.

    ``counts`` maps a word to its number of tokens in the training sentences (``Vocab.counts``);
    a word it lacks counts 0. ``seen_in_training`` is ``index < n_train_words``: the vocabulary puts
    the training words first, so only those rows can receive a gradient. Rows are sorted by
    ``cosine_distance``, largest first; ties keep vocabulary order (most frequent first).
    """
    _check_matrices(words, initial, final)
    counts = counts or {}
    keep = np.array([w not in SPECIAL_TOKENS for w in words], dtype=bool)
    index = np.flatnonzero(keep)
    table = pd.DataFrame(
        {
            "word": [words[i] for i in index],
            "count": np.array([counts.get(words[i], 0) for i in index], dtype=np.int64),
            "cosine_distance": cosine_distance(initial[index], final[index]),
            "l2_change": np.linalg.norm(final[index].astype(np.float64) - initial[index], axis=1),
            "seen_in_training": index < n_train_words,
        }
    )
    return table.sort_values("cosine_distance", ascending=False, kind="stable").reset_index(
        drop=True
    )


def drift_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`drift_table` grouped by ``seen_in_training`` (seen first).

    Columns: ``seen_in_training``, ``n_words``, ``fraction_moved`` (cosine distance > 0),
    ``mean_cosine_distance``, ``median_cosine_distance``, ``max_cosine_distance``,
    ``mean_l2_change``. The unseen group is the check of question 2's fine print: no sentence,
    no gradient, so every one of its distances is exactly 0.
    """
    rows = []
    for seen in (True, False):
        group = table[table["seen_in_training"] == seen]
        if group.empty:
            continue
        distance = group["cosine_distance"]
        rows.append(
            {
                "seen_in_training": seen,
                "n_words": len(group),
                "fraction_moved": float((distance > 0).mean()),
                "mean_cosine_distance": float(distance.mean()),
                "median_cosine_distance": float(distance.median()),
                "max_cosine_distance": float(distance.max()),
                "mean_l2_change": float(group["l2_change"].mean()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "seen_in_training",
            "n_words",
            "fraction_moved",
            "mean_cosine_distance",
            "median_cosine_distance",
            "max_cosine_distance",
            "mean_l2_change",
        ],
    )


def nearest_neighbours(
    words: Sequence[str],
    initial: np.ndarray,
    final: np.ndarray,
    queries: Sequence[str] = DEFAULT_QUERIES,
    k: int = 5,
    min_count_mask: np.ndarray | None = None,
    sep: str = ", ",
) -> pd.DataFrame:
    """Kim (2014)'s Table 3: each query's ``k`` nearest words by cosine, before and after
    fine-tuning.

    Columns ``word``, ``before``, ``after``; a cell reads ``"decent (0.81), nice (0.79), ..."``
    (neighbour and cosine similarity, nearest first, joined by ``sep``). Candidates exclude the
    query itself and ``<pad>``/``<unk>``; ``min_count_mask`` (a boolean per row of ``words``, e.g.
    ``table_counts >= 5``) restricts them further, since rare words with barely trained vectors
    otherwise crowd the lists. Queries not in ``words`` are skipped: vocabularies differ by dataset.
    """
    _check_matrices(words, initial, final)
    position = {w: i for i, w in enumerate(words)}
    candidates = np.array([w not in SPECIAL_TOKENS for w in words], dtype=bool)
    if min_count_mask is not None:
        candidates &= np.asarray(min_count_mask, dtype=bool)
    before, after = _unit_rows(initial), _unit_rows(final)
    rows = []
    for query in queries:
        if query not in position:
            continue
        i = position[query]
        allowed = candidates.copy()
        allowed[i] = False
        rows.append(
            {
                "word": query,
                "before": sep.join(_neighbours(before, i, allowed, k, words)),
                "after": sep.join(_neighbours(after, i, allowed, k, words)),
            }
        )
    return pd.DataFrame(rows, columns=["word", "before", "after"])


def projection_2d(initial: np.ndarray, final: np.ndarray, rows) -> tuple[np.ndarray, np.ndarray]:
    """``(before_xy, after_xy)``: the chosen ``rows`` of both matrices in one 2-D PCA space.

    The PCA is fitted on the initial and final vectors of ``rows`` stacked together, so a word's
    two points are comparable and an arrow between them shows its move. ``rows`` are indices (or a
    boolean mask) into the matrices. Component signs are fixed (largest loading positive), so the
    picture does not flip between runs of the same data.
    """
    before, after = (
        np.asarray(initial, dtype=np.float64)[rows],
        np.asarray(final, dtype=np.float64)[rows],
    )
    stacked = np.vstack([before, after])
    centre = stacked.mean(axis=0)
    _, _, components = np.linalg.svd(stacked - centre, full_matrices=False)
    components = components[:2]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    if len(components) < 2:  # fewer than two directions of spread: the missing axis is all zeros
        components = np.vstack([components, np.zeros((2 - len(components), stacked.shape[1]))])
    return (before - centre) @ components.T, (after - centre) @ components.T


# ---------------------------------------------------------------- over folds

POLARITY_GROUPS = ("neutral", "mild", "polar")  # terciles of |log-odds| among frequent words


def word_polarity(encoded: Sequence[Sequence[int]], labels, n_rows: int) -> np.ndarray:
    """Per vocabulary row, the smoothed log-odds that a training sentence holding the word has
    label 1 rather than label 0: ``log((n1 + 1) / (N1 + 2)) - log((n0 + 1) / (N0 + 2))``, with
    ``n_c`` the class-c sentences that hold it and ``N_c`` all class-c sentences. Binary labels."""
    labels = np.asarray(labels)
    if set(np.unique(labels)) - {0, 1}:
        raise ValueError("word_polarity needs binary labels (0 and 1)")
    holding = np.zeros((2, n_rows))
    for sentence, label in zip(encoded, labels):
        holding[label, np.unique(sentence)] += 1
    totals = np.bincount(labels, minlength=2)
    rate = (holding + 1) / (totals[:, None] + 2)
    return np.log(rate[1]) - np.log(rate[0])


def word_drift(result, min_count: int = 5) -> pd.DataFrame:
    """One row per word of a fine-tuning run's training sentences: ``count``, ``polarity``
    (:func:`word_polarity`; NaN where the dataset has more than two classes), ``pretrained``
    (started from a pretrained vector, else random), ``norm`` (of its initial vector),
    ``angle`` (degrees turned) and ``relative_change`` (``|final - initial| / |initial|``); for
    words seen ``min_count`` times or more, its ``frequency_decile`` (1: rarest) and
    ``polarity_group`` (:data:`POLARITY_GROUPS`; NaN without a polarity)."""
    from .experiments import prepared_run

    prepared = prepared_run(result.config)
    words, initial, final = result.embeddings()
    if words != prepared.vocab.itos:
        raise ValueError(f"run {result.run_id}'s vocabulary differs from its dataset's today")
    rows = np.arange(len(SPECIAL_TOKENS), result.n_train_words)
    before, after = initial[rows].astype(np.float64), final[rows].astype(np.float64)
    norm = np.linalg.norm(before, axis=1)
    cosine = 1 - cosine_distance(before, after)
    polarity = np.full(len(rows), np.nan)
    if prepared.dataset.n_classes == 2:  # a word's lean toward one class of two
        polarity = word_polarity(*prepared.parts["train"], len(words))[rows]
    table = pd.DataFrame(
        {
            "word": [words[i] for i in rows],
            "count": [prepared.vocab.counts.get(words[i], 0) for i in rows],
            "polarity": polarity,
            "pretrained": np.isin(rows, prepared.pretrained),
            "norm": norm,
            "angle": np.degrees(np.arccos(np.clip(cosine, -1, 1))),
            "relative_change": np.linalg.norm(after - before, axis=1) / norm,
        }
    )
    frequent = table["count"] >= min_count
    ranks = table.loc[frequent, "count"].rank(method="first")
    table.loc[frequent, "frequency_decile"] = np.ceil(10 * ranks / len(ranks)).astype(int)
    table["polarity_group"] = pd.Series(np.nan, index=table.index, dtype=object)
    if not np.isnan(polarity).all():
        strength = table.loc[frequent, "polarity"].abs().rank(method="first")
        table.loc[frequent, "polarity_group"] = pd.cut(
            strength, 3, labels=list(POLARITY_GROUPS)
        ).astype(str)
    return table


def angle_by_decile(table: pd.DataFrame) -> pd.DataFrame:
    """Median angle (degrees) of a :func:`word_drift` table's frequent words, by frequency decile
    (rows) and polarity group (columns); one column, ``all words``, where the words have no
    polarity (more than two classes)."""
    if table["polarity_group"].isna().all():
        frequent = table.dropna(subset=["frequency_decile"])
        return frequent.groupby("frequency_decile")["angle"].median().to_frame("all words")
    frequent = table.dropna(subset=["polarity_group"])
    medians = frequent.groupby(["frequency_decile", "polarity_group"])["angle"].median()
    return medians.unstack().reindex(columns=list(POLARITY_GROUPS))


@dataclass(frozen=True)
class RunDrift:
    """A fine-tuning run's drift in a few numbers (:func:`run_drift`): angles in degrees, the
    rest plain ratios; NaN where the run cannot tell (no "good" or "bad" in its vocabulary, no
    polarity where the dataset has more than two classes)."""

    angle_neutral_words: float  # median over the pretrained words of each polarity group
    angle_mild_words: float
    angle_polar_words: float
    relative_change_neutral_words: float
    relative_change_mild_words: float
    relative_change_polar_words: float
    angle_pretrained_rows: float  # median over the rows that started pretrained ...
    angle_random_rows: float  # ... and random
    norm_pretrained_rows: float  # mean initial norm
    norm_random_rows: float
    cos_good_bad_before: float
    cos_good_bad_after: float
    neighbours_kept: float  # mean Jaccard overlap of the most polar words' nearest neighbours


def run_drift(
    result, n_polar: int = 200, k: int = 10, table: pd.DataFrame | None = None
) -> RunDrift:
    """A fine-tuning run's drift in a few numbers: median angle and relative change of the
    pretrained words by polarity group, of pretrained against random rows, their mean initial
    norms, cos(good, bad) before and after, and the mean Jaccard overlap of the ``k`` nearest
    neighbours before and after of the ``n_polar`` most polar frequent words. ``table``: the
    run's :func:`word_drift`, if already computed."""
    table = word_drift(result) if table is None else table
    words, initial, final = result.embeddings()
    pretrained = table[table["pretrained"]]
    by_group = {
        group: pretrained[pretrained["polarity_group"] == group] for group in POLARITY_GROUPS
    }
    random = ~table["pretrained"]
    position = {w: i for i, w in enumerate(words)}
    cosines = [math.nan, math.nan]
    if "good" in position and "bad" in position:
        good, bad = position["good"], position["bad"]
        cosines = [1 - cosine_distance(m[good], m[bad])[0] for m in (initial, final)]
    frequent = table.dropna(subset=["polarity_group"])
    polar = frequent.reindex(frequent["polarity"].abs().sort_values(ascending=False).index)
    candidates = np.zeros(len(words), dtype=bool)
    candidates[[position[w] for w in frequent["word"]]] = True
    before, after = _unit_rows(initial), _unit_rows(final)
    overlaps = []
    for word in polar["word"][:n_polar]:
        i = position[word]
        allowed = candidates.copy()
        allowed[i] = False
        near = [set(_nearest(m, i, allowed, k)) for m in (before, after)]
        overlaps.append(len(near[0] & near[1]) / len(near[0] | near[1]))
    return RunDrift(
        angle_neutral_words=by_group["neutral"]["angle"].median(),
        angle_mild_words=by_group["mild"]["angle"].median(),
        angle_polar_words=by_group["polar"]["angle"].median(),
        relative_change_neutral_words=by_group["neutral"]["relative_change"].median(),
        relative_change_mild_words=by_group["mild"]["relative_change"].median(),
        relative_change_polar_words=by_group["polar"]["relative_change"].median(),
        angle_pretrained_rows=table.loc[table["pretrained"], "angle"].median(),
        angle_random_rows=table.loc[random, "angle"].median(),
        norm_pretrained_rows=table.loc[table["pretrained"], "norm"].mean(),
        norm_random_rows=table.loc[random, "norm"].mean(),
        cos_good_bad_before=float(cosines[0]),
        cos_good_bad_after=float(cosines[1]),
        neighbours_kept=float(np.mean(overlaps)) if overlaps else math.nan,
    )


@dataclass(frozen=True)
class SwapBack:
    """Test accuracy of a fine-tuned model as trained and with its initial vectors put back
    (fractions), and ``lost``, the first minus the second (:func:`swap_back`)."""

    accuracy_fine_tuned: float
    accuracy_initial_put_back: float
    lost: float


def swap_back(result) -> SwapBack:
    """The fine-tuned model scored on its test sentences as trained, and with its initial
    (pretrained) vectors put back, every other weight as trained: how far the rest of the network
    co-adapted to the moved vectors."""
    from .experiments import prepared_run
    from .predict import load_model

    texts, labels = prepared_run(result.config).dataset.part("test")
    scores = {}
    for vectors in ("trained", "initial"):
        model = load_model(result.run_id, vectors=vectors)
        predicted, _ = model.predict(texts)
        truth = [model.label_names[y] for y in labels]
        scores[vectors] = float(np.mean([p == t for p, t in zip(predicted, truth)]))
    return SwapBack(
        accuracy_fine_tuned=scores["trained"],
        accuracy_initial_put_back=scores["initial"],
        lost=scores["trained"] - scores["initial"],
    )


# ---------------------------------------------------------------- helpers


def _check_matrices(words: Sequence[str], initial: np.ndarray, final: np.ndarray) -> None:
    if np.shape(initial) != np.shape(final) or len(words) != np.shape(initial)[0]:
        raise ValueError(
            f"{len(words)} words, initial {np.shape(initial)}, final {np.shape(final)}: "
            f"expected one row per word in both matrices"
        )


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1; zero rows stay zero (similarity 0 to everything)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _nearest(unit: np.ndarray, i: int, allowed: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` allowed rows most cosine-similar to row ``i`` of ``unit``, nearest first."""
    similarity = unit @ unit[i]
    similarity[~allowed] = -np.inf
    k = min(k, int(allowed.sum()))
    top = np.argpartition(-similarity, k - 1)[:k] if k else np.array([], dtype=int)
    return top[np.argsort(-similarity[top], kind="stable")]


def _neighbours(
    unit: np.ndarray, i: int, allowed: np.ndarray, k: int, words: Sequence[str]
) -> list[str]:
    return [f"{words[j]} ({unit[j] @ unit[i]:.2f})" for j in _nearest(unit, i, allowed, k)]


# ---------------------------------------------------------------- export


def export_projector(
    words: Sequence[str],
    matrix,
    folder: str | os.PathLike,
    started_random: Sequence[bool],
    n_train_words: int,
) -> Path:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the TensorBoard embedding projector
    (projector.tensorflow.org: "Load"), the ``<pad>`` and ``<unk>`` rows left out.

    The metadata says, per word, whether its vector started random (no pretrained vector) or
    pretrained, and whether the word occurs in a training sentence (only those can move)."""
    matrix = np.asarray(matrix)
    if not len(words) == len(matrix) == len(started_random):
        raise DataError(
            f"cannot export to {folder}: {len(words)} words, {len(matrix)} vectors and "
            f"{len(started_random)} start flags must match row for row"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = range(N_SPECIAL_TOKENS, len(words))
    with atomic_write(folder / "vectors.tsv", "w") as out:
        for i in rows:
            out.write("\t".join(f"{x:.6g}" for x in matrix[i]) + "\n")
    with atomic_write(folder / "metadata.tsv", "w") as out:
        out.write("word\tstart\tin training\n")
        for i in rows:
            start = "random" if started_random[i] else "pretrained"
            out.write(f"{words[i]}\t{start}\t{'yes' if i < n_train_words else 'no'}\n")
    return folder
