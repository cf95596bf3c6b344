"""Statistics for the book's tables: t intervals over folds, paired comparisons (corrected for
overlapping training sets) with Holm's adjustment, equivalence (TOST) and McNemar's test.

One convention throughout: accuracies stay fractions in [0, 1] in every frame and every number
returned here (``aggregate``'s ``mean``, ``compare``'s ``mean_difference``, ...): this module
returns numbers and decisions taken on numbers (:func:`verdict`), never display strings.
:mod:`w2vcnn.tables` turns them into percentages and text, once, for the page.

The input is the grid's DataFrame (:func:`w2vcnn.grids.run_grid`): one row per run with at
least ``dataset``, ``variant``, ``fold`` or ``seed``, and ``test_accuracy``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from .splits import Split

# Runs of two variants are paired when they agree on all of these (those the frame has): same data,
# same split, fold and seed, hence the same initialisation and batch order.
# the same sentences and the same random draws: a pair differs only in what is compared
PAIR_KEYS = ("dataset", "split", "max_examples", "fold", "seed", "replicate")


# ---------------------------------------------------------------- intervals


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float]:
    """Mean and half width of its Student-t confidence interval.

    With one value there is no spread to estimate: the half width is NaN, never 0, so a table
    cannot pass off a single run as a certain result.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("mean_ci needs at least one value")
    mean = float(values.mean())
    if values.size == 1:
        return mean, math.nan
    standard_error = values.std(ddof=1) / math.sqrt(values.size)
    t = scipy_stats.t.ppf((1 + confidence) / 2, df=values.size - 1)
    return mean, float(t * standard_error)


def summarize(values) -> dict:
    """``n``, ``mean``, ``std`` (ddof=1), ``ci95`` (half width), ``low``, ``high``, ``min``,
    ``max``."""
    values = np.asarray(values, dtype=float)
    mean, half_width = mean_ci(values)
    return {
        "n": values.size,
        "mean": mean,
        "std": float(values.std(ddof=1)) if values.size > 1 else math.nan,
        "ci95": half_width,
        "low": mean - half_width,
        "high": mean + half_width,
        "min": float(values.min()),
        "max": float(values.max()),
    }


def aggregate(
    frame: pd.DataFrame, by: Sequence[str] = ("dataset", "variant"), value: str = "test_accuracy"
) -> pd.DataFrame:
    """One row per group of runs (e.g. per dataset and variant, over folds) with its statistics.

    Columns: the ``by`` columns, then ``n``, ``mean``, ``std`` (ddof=1), ``ci95`` (half width of the
    95% t interval), ``low`` and ``high`` (the interval), ``min`` and ``max``. Values are fractions
    like ``value`` itself (0.812, not 81.2); :func:`w2vcnn.tables.format_table` shows them as
    percentages.
    ``std``, ``ci95``, ``low`` and ``high`` are NaN for a group of one run. Groups keep the order in
    which they first appear in ``frame`` (the grid's order), not alphabetical order.
    """
    by = list(by)
    require_columns(frame, [*by, value])
    rows = [
        {**dict(zip(by, key)), **summarize(group[value])}
        for key, group in frame.groupby(by, sort=False, dropna=False)
    ]
    return pd.DataFrame(
        rows, columns=[*by, "n", "mean", "std", "ci95", "low", "high", "min", "max"]
    )


# ---------------------------------------------------------------- paired comparisons


class Comparison(NamedTuple):
    """Runs ``a`` minus runs ``b`` over the pairs they share (fractions, not percent)."""

    a: str
    b: str
    n_pairs: int
    mean_difference: float  # mean of a - b
    ci95: float  # half width of the 95% t interval of the mean difference (corrected, see below)
    # two-sided paired t-test, its error corrected for overlapping training sets
    # (_standard_error); NaN with fewer than two pairs
    p_value: float
    wins: int  # pairs where a beats b
    losses: int
    ties: int

    def __str__(self) -> str:
        spread = "" if math.isnan(self.ci95) else f" ± {100 * self.ci95:.1f}"
        return (
            f"{self.a} − {self.b}: {100 * self.mean_difference:+.1f}{spread} points (95% CI), "
            f"p = {self.p_value:.3g}, better on {self.wins} of {self.n_pairs} paired runs"
        )


def _select(frame: pd.DataFrame, by: Sequence[str], side) -> pd.Series:
    """Rows whose ``by`` columns equal ``side`` (one value, or a tuple with one per column)."""
    values = side if isinstance(side, tuple) else (side,)
    if len(values) != len(by):
        raise ValueError(
            f"{side!r} gives {len(values)} value(s) for the {len(by)} column(s) {', '.join(by)}"
        )
    mask = pd.Series(True, index=frame.index)
    for column, value in zip(by, values):
        mask &= frame[column] == value
    return mask


def _describe(side) -> str:
    return " ".join(map(str, side)) if isinstance(side, tuple) else str(side)


def paired_values(
    frame: pd.DataFrame,
    a,
    b,
    by: str | Sequence[str] = "variant",
    on: Sequence[str] | None = None,
    value: str = "test_accuracy",
) -> pd.DataFrame:
    """The pairing keys and ``a``/``b`` columns holding each side's ``value``, one row per pair.

    A side is the runs whose ``by`` column equals it, e.g. ``a="non-static"`` with ``by="mode"``;
    with several ``by`` columns, a tuple with one value each: ``("static", "cbow")`` with
    ``by=("mode", "init")``.
    """
    by = [by] if isinstance(by, str) else list(by)
    require_columns(frame, [*by, value])
    on = [k for k in PAIR_KEYS if k in frame.columns] if on is None else list(on)
    require_columns(frame, on)
    sides = []
    for name, side in (("a", a), ("b", b)):
        runs = frame.loc[_select(frame, by, side), [*on, value]]
        if runs.duplicated(on).any():
            # e.g. two learning rates under one mode: pairing them would be arbitrary
            raise ValueError(
                f"{_describe(side)!r} selects several runs with the same {', '.join(on)}; "
                f"filter the frame first or add the column that tells them apart to `by`"
            )
        sides.append(runs.rename(columns={value: name}))
    pairs = sides[0].merge(sides[1], on=on, how="inner")
    if pairs.empty:
        present = ", ".join(
            repr(v if len(by) > 1 else v[0])
            for v in dict.fromkeys(frame[by].itertuples(index=False, name=None))
        )
        raise ValueError(
            f"{_describe(a)!r} and {_describe(b)!r} (by {', '.join(by)}) share no runs "
            f"(paired on {', '.join(on)}); present: {present}"
        )
    return pairs


# n_test / n_train of one run, by split (data.load_dataset's defaults: 10 folds or a 10% test
# split, and 10% of the rest as dev), for the correction of :func:`_standard_error`.
TEST_TRAIN_RATIO = {Split.KFOLD: 0.1 / (0.9 * 0.9), Split.HOLDOUT: 0.1 / 0.8}


def _standard_error(differences: np.ndarray, frame: pd.DataFrame) -> float:
    """Standard error of the mean paired difference, with Nadeau & Bengio (2003)'s correction
    when the runs come from resampled splits of one dataset (the frame's ``split``).

    Folds share most of their training sentences, so their differences are correlated and the
    plain ``s / sqrt(n)`` is too small (a paired t-test over folds rejects too often). The
    corrected variance is ``(1/n + n_test/n_train) * s**2``, with the whole split's sizes: at
    10 folds the error grows by about half. Runs on a share of the training split
    (``train_fraction``) keep that ratio: the correction stands for how much the folds' training
    sets overlap, and subsets of a share overlap less than the whole training sets do, so the
    whole split's ratio is if anything too large for them. Dividing it by the share instead
    (0.1 / (0.81 * 0.05) at 5%) would leave N-B's derivation, in which training and test sets
    make up the data, and grow the correction exactly where the overlap shrinks. Frames without
    a ``split`` column get the plain error.
    """
    variance = differences.var(ddof=1)
    splits = set(frame["split"]) if "split" in frame.columns else set()
    if len(splits) == 1 and (split := splits.pop()) in TEST_TRAIN_RATIO:
        ratio = TEST_TRAIN_RATIO[split]
        return math.sqrt((1 / len(differences) + ratio) * variance)
    return math.sqrt(variance / len(differences))


def compare(
    frame: pd.DataFrame,
    a,
    b,
    by: str | Sequence[str] = "variant",
    on: Sequence[str] | None = None,
    value: str = "test_accuracy",
) -> Comparison:
    """Paired comparison of the runs selected by ``a`` and ``b`` (see :func:`paired_values`).

    Runs are paired when they agree on ``on``: by default every column of :data:`PAIR_KEYS` the
    frame has, i.e. the same dataset, split, fold and seed, so both sides saw the same split, the
    same initialisation and the same batches. Pairing removes the fold-to-fold variance both
    share, which is why it detects differences that overlapping intervals in :func:`aggregate`
    hide. The t-test's standard error is corrected for folds that share training sentences
    (Nadeau & Bengio 2003; see :func:`_standard_error`). Pairs from several datasets are pooled:
    filter ``frame`` to one dataset for a per-dataset answer.
    """
    pairs = paired_values(frame, a, b, by, on, value)
    differences = (pairs["a"] - pairs["b"]).to_numpy(dtype=float)
    n, mean = len(differences), float(differences.mean())
    half_width = p_value = math.nan
    if n >= 2:
        error = _standard_error(differences, frame)
        t_dist = scipy_stats.t(df=n - 1)
        half_width = float(t_dist.ppf(0.975) * error)
        if error > 0:
            p_value = float(2 * t_dist.sf(abs(mean) / error))
        else:  # every pair differs by the same amount: no spread to test against
            p_value = 1.0 if mean == 0 else 0.0
    return Comparison(
        a=_describe(a),
        b=_describe(b),
        n_pairs=n,
        mean_difference=mean,
        ci95=half_width,
        p_value=p_value,
        wins=int((differences > 0).sum()),
        losses=int((differences < 0).sum()),
        ties=int((differences == 0).sum()),
    )


class Contrasts(dict):
    """Named contrasts, each a pair of sides, the run columns whose values the sides name
    (``by``), whether they are a page's primary ``family`` of tests (Holm-adjusted) or
    exploratory ones, and the ``name`` a page passes the set by (``"MODE_CONTRASTS"``): defined
    once beside the grid they read (:mod:`w2vcnn.study`), so a page passes them to
    :func:`paired_table` without repeating either."""

    def __init__(
        self,
        by: str | Sequence[str],
        pairs: Mapping[str, tuple],
        family: bool = True,
        name: str = "",
    ):
        super().__init__(pairs)
        self.by, self.family, self.name = by, family, name

    @property
    def columns(self) -> tuple[str, ...]:
        """``by`` as a tuple of column names."""
        return (self.by,) if isinstance(self.by, str) else tuple(self.by)


def paired_table(
    frame: pd.DataFrame,
    contrasts: Mapping[str, tuple],
    by: str | Sequence[str] | None = None,
    value: str = "test_accuracy",
    family: bool | None = None,
) -> pd.DataFrame:
    """One :func:`compare` per dataset and named contrast, as numbers.

    ``contrasts`` maps a name to a pair of sides, e.g.
    ``{"non_static_vs_static": ("non-static", "static")}`` with ``by="mode"`` (a
    :class:`Contrasts` carries its own ``by``; else ``"variant"``). The rows are indexed
    by ``(dataset, contrast name)``, so a chapter finds a row by the name it gave, never by parsing
    a label (:func:`w2vcnn.pages.glue_contrasts` glues every row under its name). Columns:
    ``comparison`` (the sides, for the reader), ``difference`` and ``ci95`` (fractions, like the
    accuracies), ``p``, ``wins`` and ``pairs``, and what the pairs are (``paired_by``,
    :func:`paired_by`); :func:`w2vcnn.tables.contrast_table` shows them.

    ``family=True`` (a chapter's primary contrasts): the table's rows are one family of tests and a
    ``p_holm`` column adjusts their p-values for it (:func:`holm`). ``family=False``
    (exploratory contrasts): unadjusted p only, for the page to label as exploratory. Not given:
    what the :class:`Contrasts` declare (a plain mapping: a family). The ``verdict`` column is
    :func:`verdict` of each row's numbers (its Holm-adjusted p in a family).
    """
    if not isinstance(contrasts, Mapping):
        raise ValueError(
            "contrasts must map a name to a pair of sides, e.g. "
            "{'non_static_vs_static': ('non-static', 'static')}"
        )
    if by is None:
        by = getattr(contrasts, "by", "variant")
    if family is None:
        family = getattr(contrasts, "family", True)
    rows = []
    for dataset, runs in frame.groupby("dataset", sort=False):
        for name, (a, b) in contrasts.items():
            c = compare(runs, a, b, by, value=value)
            comparison = f"{c.a} − {c.b}"
            rows.append(
                {
                    "dataset": dataset,
                    "contrast": name,
                    "comparison": comparison,
                    **numbers(c),
                    "paired_by": paired_by(runs),
                }
            )
    # no runs (a page's other datasets, where it ran on one): a table with no rows
    columns = ["dataset", "contrast", "comparison", "difference", "ci95", "p", "wins", "pairs"]
    table = pd.DataFrame(rows, columns=columns + ["paired_by"]).set_index(["dataset", "contrast"])
    p_values = table["p"].to_numpy()
    if family:
        p_values = holm(p_values)
        table["p_holm"] = p_values
    table["verdict"] = [verdict(d, p) for d, p in zip(table["difference"], p_values)]
    return table


def numbers(c: Comparison) -> dict:
    """A :class:`Comparison`'s numbers as the columns of a table: ``difference``, ``ci95``,
    ``p``, ``wins`` and ``pairs``."""
    return {
        "difference": c.mean_difference,
        "ci95": c.ci95,
        "p": c.p_value,
        "wins": c.wins,
        "pairs": c.n_pairs,
    }


def paired_by(runs: pd.DataFrame) -> str:
    """What the pairs of ``runs`` are: ``"seeds"`` on a dataset's given split (every run tested
    on the same sentences, :mod:`w2vcnn.protocol`), else ``"folds"``."""
    given = "split" in runs.columns and len(runs) and (runs["split"] == Split.GIVEN).all()
    return "seeds" if given else "folds"


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN, outside the family).

    The i-th smallest of m p-values is multiplied by m - i + 1 (i from 1), capped at 1, and made
    non-decreasing in that order. Rejecting where the adjusted p < alpha keeps the chance of any
    false rejection in the family <= alpha, whatever the dependence between the tests.
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, math.nan)
    tested = np.flatnonzero(~np.isnan(p))
    running = 0.0
    for rank, i in enumerate(tested[np.argsort(p[tested], kind="stable")]):
        running = max(running, min(1.0, (len(tested) - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def verdict(difference: float, p_value: float, alpha: float = 0.05) -> str:
    """``"higher"``, ``"lower"`` or ``"no clear difference"``: a paired difference of ``a - b``
    and its p-value (Holm-adjusted in a family) at level ``alpha``; NaN p: no clear difference.
    Prose built on this word, not on the digits, survives the run-to-run wobble of the means."""
    if not p_value < alpha:
        return "no clear difference"
    return "higher" if difference > 0 else "lower"


class Equivalence(NamedTuple):
    """Two one-sided paired t-tests (TOST) of ``|a - b| < margin`` (fractions, not percent)."""

    a: str
    b: str
    n_pairs: int
    margin: float
    mean_difference: float
    ci90_low: float  # the 90% interval: inside (-margin, margin) exactly when p < 0.05
    ci90_high: float
    p_value: float  # the larger of the two one-sided p-values; NaN with fewer than two pairs

    @property
    def equivalent(self) -> bool:
        """Whether the difference is shown to lie within the margin, at the 5% level."""
        return bool(self.p_value < 0.05)

    @property
    def power(self) -> float:
        """The chance this design shows equivalence when the true difference is 0, at the
        standard error these pairs gave: ``2 F(margin / se - t_0.95) - 1`` (Student t with
        ``n_pairs - 1`` degrees of freedom), 0 where the margin is within ``t_0.95`` errors; NaN
        with fewer than two pairs. Low power: "not shown" says little."""
        if self.n_pairs < 2:
            return math.nan
        t_dist = scipy_stats.t(df=self.n_pairs - 1)
        error = (self.ci90_high - self.ci90_low) / (2 * t_dist.ppf(0.95))
        if error == 0:
            return 1.0
        return float(max(0.0, 2 * t_dist.cdf(self.margin / error - t_dist.ppf(0.95)) - 1))

    def __str__(self) -> str:
        verdict = "equivalent" if self.equivalent else "not shown equivalent"
        return (
            f"{self.a} − {self.b}: {100 * self.mean_difference:+.2f} points, 90% CI "
            f"[{100 * self.ci90_low:+.2f}, {100 * self.ci90_high:+.2f}] over {self.n_pairs} "
            f"pairs; TOST p = {self.p_value:.3g} for a ±{100 * self.margin:g}-point margin: "
            f"{verdict}"
        )


def equivalence(
    frame: pd.DataFrame,
    a,
    b,
    margin: float,
    by: str | Sequence[str] = "variant",
    on: Sequence[str] | None = None,
    value: str = "test_accuracy",
) -> Equivalence:
    """Whether ``a`` and ``b`` (selected as in :func:`paired_values`) are equivalent within
    ``margin`` (a fraction: 0.01 is one point), by two one-sided paired t-tests.

    "The confidence intervals overlap" is not evidence of agreement (small samples overlap
    always); TOST turns the question round: it rejects "the difference is at least ``margin``".
    """
    if not margin > 0:
        raise ValueError(f"margin must be positive (a fraction of accuracy), got {margin!r}")
    pairs = paired_values(frame, a, b, by, on, value)
    differences = (pairs["a"] - pairs["b"]).to_numpy(dtype=float)
    n, mean = len(differences), float(differences.mean())
    if n < 2:
        low = high = p_value = math.nan
    else:
        standard_error = _standard_error(differences, frame)
        if standard_error == 0:  # identical differences: no spread to test against
            p_value = 0.0 if abs(mean) < margin else 1.0
            low = high = mean
        else:
            t_dist = scipy_stats.t(df=n - 1)
            p_value = float(
                max(
                    t_dist.sf((mean + margin) / standard_error),  # H0: difference <= -margin
                    t_dist.cdf((mean - margin) / standard_error),  # H0: difference >= +margin
                )
            )
            half = float(t_dist.ppf(0.95) * standard_error)
            low, high = mean - half, mean + half
    return Equivalence(_describe(a), _describe(b), n, margin, mean, low, high, p_value)


def mcnemar(predictions_a, predictions_b, labels) -> dict:
    """Exact McNemar test of two classifiers scored on the same test examples.

    Only the examples they disagree on carry information: ``b`` (a right, b wrong) and ``c``
    (a wrong, b right). Under "equally accurate" each such example is a fair coin, so the p-value
    is the two-sided binomial test of ``b`` successes in ``b + c``. It compares two single runs,
    which makes it the test to use when only one run of each exists; across folds, prefer
    :func:`compare`.
    Pass several runs' predictions concatenated (paired example by example) to pool them.
    Returns ``b``, ``c``, ``p_value`` (1.0 when they never disagree), ``n``, ``accuracy_a``,
    ``accuracy_b``, ``agreement`` (the share of examples both label alike) and
    ``difference_ci95``: the half width of the 95% interval of ``accuracy_a - accuracy_b``
    (``(b - c) / n``) for paired proportions.
    """
    predictions_a, predictions_b, labels = map(np.asarray, (predictions_a, predictions_b, labels))
    if not predictions_a.shape == predictions_b.shape == labels.shape:
        raise ValueError(
            f"predictions and labels differ in length: {predictions_a.shape}, "
            f"{predictions_b.shape}, {labels.shape}"
        )
    right_a, right_b = predictions_a == labels, predictions_b == labels
    b = int((right_a & ~right_b).sum())
    c = int((~right_a & right_b).sum())
    p_value = float(scipy_stats.binomtest(b, b + c, 0.5).pvalue) if b + c else 1.0
    n = int(labels.size)
    # variance of the mean of per-example differences (+1, -1 or 0): ((b + c) - (b - c)^2 / n) / n^2
    variance = ((b + c) - (b - c) ** 2 / n) / n**2
    return {
        "b": b,
        "c": c,
        "p_value": p_value,
        "n": n,
        "accuracy_a": float(right_a.mean()),
        "accuracy_b": float(right_b.mean()),
        "agreement": float((predictions_a == predictions_b).mean()),
        "difference_ci95": float(1.959964 * math.sqrt(variance)),
    }


def require_columns(frame: pd.DataFrame, names: Sequence[str]) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValueError(
            f"missing column(s) {', '.join(map(repr, missing))}; "
            f"the frame has {', '.join(map(repr, frame.columns))}"
        )
