"""Display: what a reader sees of runs, datasets and results -- a run's label, a run as a table
row, a dataset's sizes, fine-tuned vectors for the TensorBoard projector, and every table and
number a page shows.

The analyses (:mod:`w2vcnn.stats`, :mod:`w2vcnn.analyses`, :mod:`w2vcnn.drift`) return numbers and
decisions taken on numbers; this module turns them into text, as the last step, and nothing reads
that text back. Nothing here is part of a run's cache key: a label or a row changes no number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .splits import Split
from .stats import require_columns


def pair_moved(a: str, b: str, before: float, after: float) -> str:
    """How fine-tuning moved two words relative to each other (cosines from
    :func:`w2vcnn.drift.cosine_between`), as a clause; that there is nothing to compare where a
    word is missing (NaN)."""
    if math.isnan(before) or math.isnan(after):
        return f'"{a}" or "{b}" is not among the words of this dataset: there is nothing to compare'
    direction = "apart" if after < before else "closer together"
    return (
        f"the cosine between the two went from {before:.3f} to {after:.3f}: fine-tuning moved "
        f"them {direction}"
    )


def polarity_scope(facts) -> str:
    """A sentence for the datasets of :func:`w2vcnn.protocol.facts` that have more than two
    classes, where a word has no polarity (its lean toward one class of two); empty where every
    dataset has two."""
    many = [
        f"{name} ({row['classes']} classes)" for name, row in facts.iterrows() if row["classes"] > 2
    ]
    if not many:
        return ""
    return (
        f"Polarity, a word's lean toward one class of two, is not defined on {' and '.join(many)}: "
        "the facts that need it are left out there (—), and its panel of the figure has one "
        "line, all words."
    )


def split_scope(facts) -> str:
    """A sentence for the datasets of :func:`w2vcnn.protocol.facts` that keep their given split,
    where seeds stand in for folds; empty where every dataset has Kim's folds."""
    given = [name for name, row in facts.iterrows() if row["split"] == Split.GIVEN]
    if not given:
        return ""
    return (
        f"On {' and '.join(given)}, which keep{'s' if len(given) == 1 else ''} a given split, the "
        "runs differ by seed where the others differ by fold, every one tested on the same "
        'sentences: there the intervals, and the seed control\'s "between folds", measure the '
        "seed alone, not the spread over test sets that folds add."
    )


def kim_table(versus) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.against_kim` for the page: one row per dataset (ours vs his) and
    mode, in percent to one decimal."""
    shown = pd.DataFrame(
        {
            "ours (%)": versus["ours"].round(1),
            "Kim (%)": versus["kim"],
            "ours − Kim": versus["difference"].round(1),
        }
    )
    datasets = [
        f"{d} vs {k}" for d, k in zip(versus.index.get_level_values(0), versus["kim_dataset"])
    ]
    shown.index = pd.MultiIndex.from_arrays(
        [datasets, versus.index.get_level_values(1)], names=["dataset", "mode"]
    )
    return shown


def kim_gaps(versus) -> str:
    """What :func:`w2vcnn.analyses.against_kim` says, as sentences: how far ``rand`` and the
    pretrained modes land from Kim's numbers; or that no dataset is one of his."""
    if versus.empty:
        return (
            "None of the datasets this page ran on is one of Kim's, so there is nothing to set "
            "beside his numbers."
        )
    gap = versus["difference"]
    modes = gap.index.get_level_values("mode")
    parts = {"rand": gap[modes == "rand"], "pretrained": gap[modes != "rand"]}
    span = {n: _span(part.min(), part.max()) for n, part in parts.items() if len(part)}
    return (
        f"Random initialisation, which uses no pretrained vectors, lands {span['rand']} points "
        "from Kim's numbers; the modes that start from pretrained vectors land "
        f"{span['pretrained']} points from his."
    )


def _span(low: float, high: float) -> str:
    return f"{low:+.1f}" if round(low, 1) == round(high, 1) else f"{low:+.1f} to {high:+.1f}"


def dataset_in_words(name: str, facts) -> str:
    """A row of :func:`w2vcnn.protocol.facts` as a phrase: ``"rt-polarity (12,808 sentences, 2
    classes, the largest 58%; 10-fold cross-validation)"``."""
    if facts["split"] == Split.GIVEN:
        split = (
            f"its given split, {facts['train']:,.0f}/{facts['dev']:,.0f}/{facts['test']:,.0f} "
            "train/dev/test, seeds in place of folds"
        )
    else:
        split = "10-fold cross-validation"
    kim = f", compared with Kim's {facts['kim']}" if isinstance(facts["kim"], str) else ""
    return (
        f"{name} ({facts['examples']:,} sentences, {facts['classes']} classes, the largest "
        f"{facts['majority_share']:.0%}{kim}; {split})"
    )


# ---------------------------------------------------------------- numbers as text

MISSING = "—"  # a cell with no run behind it


def points(difference: float, ci95: float = math.nan) -> str:
    """A difference of accuracies (fractions) in points, with its 95% interval where it has one:
    ``"+1.2 ± 0.9"``."""
    if pd.isna(difference):
        return MISSING
    spread = "" if pd.isna(ci95) else f" ± {100 * ci95:.1f}"
    return f"{100 * difference:+.1f}{spread}"


def p_text(p: float) -> str:
    """A p-value for a table: ``"< 0.001"``, ``"0.012"``, or "—" where there is none."""
    if pd.isna(p):
        return MISSING
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def in_words(row) -> str:
    """A row of :func:`w2vcnn.stats.paired_table` (or any table with its numeric columns) as
    prose: ``"+2.2 ± 2.6 points, better in 8 of 10 folds; Holm-adjusted p = 0.012"``; the
    unadjusted p where the row has no ``p_holm``."""
    if _adjusted(row):
        p = f"Holm-adjusted p {p_equals(row['p_holm'])}"
    else:
        p = f"p {p_equals(row['p'])}, unadjusted"
    unit = row.get("paired_by", "folds")
    return f"{points(row['difference'], row['ci95'])} points, better in {_wins(row)} {unit}; {p}"


def verdict_in_words(verdict: str, adjusted: bool) -> str:
    """A verdict as a page states it: a direction that only an unadjusted (exploratory) test found
    says so, ``"higher (exploratory)"``; one that survived Holm's adjustment, and "no clear
    difference", as they are. "No clear difference" is never "no difference"."""
    if adjusted or verdict not in ("higher", "lower"):
        return verdict
    return f"{verdict} (exploratory)"


def row_verdict(row) -> str:
    """:func:`verdict_in_words` of a row of :func:`w2vcnn.stats.paired_table`: adjusted where the
    row has a Holm-adjusted p."""
    return verdict_in_words(row["verdict"], _adjusted(row))


def _adjusted(row) -> bool:
    """Whether a row of paired differences carries a Holm-adjusted p (a table that mixes quoted
    primary rows with exploratory ones has NaN in the others)."""
    return "p_holm" in row and not pd.isna(row["p_holm"])


def elsewhere_in_words(table) -> str:
    """The exploratory contrasts of a page's other datasets (a :func:`w2vcnn.stats.paired_table`
    indexed by ``(dataset, contrast)``) as one sentence: ``"On the other datasets (exploratory):
    static on rt-subjectivity **no clear difference** (+0.2 ± 0.6 points, ...); ..."``; empty
    where the page ran on one dataset."""
    if table.empty:
        return ""
    parts = [
        f"`{contrast}` on {dataset} **{row['verdict']}** ({in_words(row)})"
        for (dataset, contrast), row in table.iterrows()
    ]
    return f"On the other datasets (exploratory): {'; '.join(parts)}."


def p_equals(p: float) -> str:
    """``"= 0.012"``, or ``"< 0.001"``: a p-value after "p"."""
    return "< 0.001" if p < 0.001 else f"= {p_text(p)}"


def _wins(row) -> str:
    return f"{row['wins']} of {row['pairs']}"


_NUMERIC = (
    "difference",
    "ci95",
    "p",
    "p_holm",
    "wins",
    "pairs",
    "verdict",
    "paired_by",
    "detectable",
)


def contrast_table(table) -> pd.DataFrame:
    """A numeric table of paired differences (:func:`w2vcnn.stats.paired_table`,
    :func:`w2vcnn.analyses.unseen_differences`, :func:`w2vcnn.analyses.sweep_trend`, ...) for
    the page: its other columns as they are, then ``a − b (points)`` (± 95% CI), ``p (paired t)``,
    ``p (Holm)`` where it has one, ``a better`` (wins of pairs) and the ``verdict``."""
    shown = table[[c for c in table.columns if c not in _NUMERIC]].copy()
    if "comparison" in shown.columns:  # each side by its label
        shown["comparison"] = [
            " − ".join(label(side) for side in text.split(" − ")) for text in shown["comparison"]
        ]
    if "sentences" in shown.columns:  # a mean over folds (analyses.unseen_differences)
        shown["sentences"] = [MISSING if pd.isna(n) else f"{n:,.0f}" for n in shown["sentences"]]
        shown = shown.rename(columns={"sentences": "test sentences (per fold)"})
    shown["a − b (points)"] = [points(d, h) for d, h in zip(table["difference"], table["ci95"])]
    shown["p (paired t)"] = [p_text(p) for p in table["p"]]
    if "p_holm" in table.columns:
        shown["p (Holm)"] = [p_text(p) for p in table["p_holm"]]
    if "wins" in table.columns:
        shown["a better"] = [_wins(row) for _, row in table.iterrows()]
    shown["verdict"] = [row_verdict(row) for _, row in table.iterrows()]
    if "detectable" in table.columns:  # the design's power (analyses.sweep_trend)
        shown["found with 80% power"] = [
            MISSING if pd.isna(d) else f"{100 * d:.1f}" for d in table["detectable"]
        ]
    return shown


# What a page calls each group an experiment names by identifier (w2vcnn.study): Beyond's transfer
# schedules, the models of the TF-IDF contest and of the labelled-size sweep, the recipe's sides
GROUP_LABELS = {
    "fine_tuned": "fine-tuned",
    "frozen_then_unfrozen": "frozen, then unfrozen",
    "gentle_fine_tuning": "gentle fine-tuning",
    "eager_fine_tuning": "eager fine-tuning",
    "pretrained_rows_frozen": "pretrained rows frozen",
    "random_rows_eager": "random rows, eager",
    "random_rows": "random rows",
    "best_cnn": "best CNN",
    "tfidf": "TF-IDF",
    "cbow_classifier": "CBOW classifier",
    "our_skipgram": "our skip-gram",
    "our_cbow": "our CBOW",
    "our_skipgram_brown": "our skip-gram + Brown",
}


def label(value) -> str:
    """What a page shows for a group identifier (:data:`GROUP_LABELS`); anything else as it is."""
    return GROUP_LABELS.get(value, str(value))


def labelled(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` with ``column``'s group identifiers as their labels, for a table or figure."""
    return frame.assign(**{column: frame[column].map(label)})


# What Beyond's recipe table calls each step (w2vcnn.study.RECIPE_CONTRASTS)
RECIPE_STEPS = {
    "pretrained_vs_random": "pretrained vectors vs random init",
    "fine_tuned_vs_frozen": "fine-tuned vs frozen",
    "cnn_vs_tfidf": "CNN vs TF-IDF + logistic regression",
    "skipgram_vs_cbow": "skip-gram vs CBOW vectors",
    "cnn_vs_cbow_classifier": "CNN vs supervised CBOW classifier",
    "brown_vs_in_domain": "+ Brown corpus vs in-domain text only",
}


def recipe_table(evidence) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.recipe_evidence` for the page: the steps numbered (the prose cites
    rows by number) and in words, then :func:`contrast_table`'s columns."""
    shown = contrast_table(evidence)
    shown.insert(0, "step", [RECIPE_STEPS[name] for name in evidence.index])
    shown.index = range(1, len(shown) + 1)
    return shown


def catalogue_table(catalogue) -> pd.DataFrame:
    """:func:`w2vcnn.study.catalogue` for the page: each experiment by name (a page calls
    ``study.NAME.run(P)``), its pages, its runs, and its contrasts by the names a page passes them
    by (a page's primary family of tests marked), with how many they hold and the run columns they
    compare by (a group column among them, where the experiment has one)."""
    shown = pd.DataFrame({"experiment": catalogue.index})
    # a page by its first word ("Q1", "Beyond"), so the names keep the table's width
    shown["pages"] = [
        ", ".join(page.split()[0] for page in pages) or "(part of another)"
        for pages in catalogue["pages"]
    ]
    shown["runs"] = catalogue["runs"].to_numpy()
    shown["contrasts (how many; by)"] = [
        ", ".join(
            f"{name} (primary)" if primary else name
            for name, primary in zip(row["contrasts"], row["primary"])
        )
        + f" ({row['compared']}; {', '.join(row['by'])})"
        if row["contrasts"]
        # an equivalence test, its margin fixed in the catalogue before any run
        else f"equivalent within ±{100 * row['margin']:g} point (TOST)"
        if pd.notna(row["margin"])
        else MISSING
        for _, row in catalogue.iterrows()
    ]
    return shown


def show(frame: pd.DataFrame, decimals: int = 3, index: bool = True, caption: str | None = None):
    """Any small table, readable: numbers rounded, missing as "—", full cell text, optional
    index."""
    styler = frame.style.format(precision=decimals, na_rep=MISSING, thousands=",")
    if not index:
        styler = styler.hide(axis="index")
    return styler.set_caption(caption) if caption else styler


def format_cells(
    aggregated: pd.DataFrame,
    rows: str = "variant",
    columns: str = "dataset",
    reference: Mapping[str, Mapping[str, float]] | None = None,
    decimals: int = 1,
) -> pd.DataFrame:
    """A DataFrame of plain strings: ``rows`` down, ``columns`` across, "81.2 ± 0.9" in each cell.

    The cell is the mean ± the 95% CI half width, both in percent; "81.2" alone for a single run,
    and "—" where no run exists. ``reference`` adds published numbers, already in percent, as
    extra columns after ours: ``{"MR (Kim 2014)": {"cnn rand random torch": 76.1, ...}}``; a row
    only the reference knows is added at the bottom. Print it with ``.to_string()`` for plain text.
    """
    means, half_widths = (_pivot(aggregated, rows, columns, field) for field in ("mean", "ci95"))
    cells = pd.DataFrame(MISSING, index=means.index, columns=means.columns, dtype=object)
    for row in means.index:
        for column in means.columns:
            cells.loc[row, column] = _cell(
                means.loc[row, column], half_widths.loc[row, column], decimals
            )
    for name, published in (reference or {}).items():
        extra_rows = [r for r in published if r not in cells.index]
        cells = cells.reindex([*cells.index, *extra_rows], fill_value=MISSING)
        cells[name] = [
            f"{published[r]:.{decimals}f}" if r in published else MISSING for r in cells.index
        ]
    return cells


def format_table(
    aggregated: pd.DataFrame,
    rows: str = "variant",
    columns: str = "dataset",
    reference: Mapping[str, Mapping[str, float]] | None = None,
    decimals: int = 1,
    caption: str | None = None,
):
    """:func:`format_cells` as a pandas ``Styler`` with the best mean of each of our columns in
    bold.

    The best is judged on the mean as displayed (rounded to ``decimals``), so equal-looking means
    are bold together; reference columns are never bold. A Jupyter Book cell that ends with this
    call renders it as an HTML table (``.to_html()`` gives the same HTML explicitly).
    """
    cells = format_cells(aggregated, rows, columns, reference, decimals)
    shown_means = (100 * _pivot(aggregated, rows, columns, "mean")).round(decimals)
    best = shown_means.eq(shown_means.max()).reindex(
        index=cells.index, columns=cells.columns, fill_value=False
    )
    css = np.where(best.to_numpy(dtype=bool), "font-weight: bold", "")
    styler = cells.style.apply(lambda _: css, axis=None)
    return styler.set_caption(caption) if caption else styler


def _cell(mean: float, half_width: float, decimals: int) -> str:
    if pd.isna(mean):
        return MISSING
    shown = f"{100 * mean:.{decimals}f}"
    return shown if pd.isna(half_width) else f"{shown} ± {100 * half_width:.{decimals}f}"


def _pivot(aggregated: pd.DataFrame, rows: str, columns: str, field: str) -> pd.DataFrame:
    """``field`` with ``rows`` down and ``columns`` across, both in order of first appearance."""
    require_columns(aggregated, [rows, columns, field])
    if aggregated.duplicated([rows, columns]).any():
        raise ValueError(
            f"several rows per ({rows}, {columns}): aggregate by exactly those two columns"
        )
    table = aggregated.pivot(index=rows, columns=columns, values=field)
    return table.reindex(index=pd.unique(aggregated[rows]), columns=pd.unique(aggregated[columns]))


# ---------------------------------------------------------------- question 3's corpus curve

# What the page calls each corpus of w2vcnn.study.CORPORA
CORPUS_LABELS = {
    "in_domain": "in-domain",
    "in_domain_brown": "in-domain + Brown",
    "general": "general English",
    "general_in_domain": "general English + in-domain",
}
# Each fact of w2vcnn.analyses.corpus_curve the table shows: its label and how to write it
_PERCENT = "{:.2%}"  # a share, as 68.93 under a "(%)" label
_CURVE_FACTS = {
    "tokens": ("tokens", "{:,.0f}"),
    "word2vec_epochs": ("word2vec epochs", "{:.0f}"),
    "in_domain_passes": ("in-domain passes", "{:.0f}"),
    "vocabulary": ("vocabulary", "{:,.0f}"),
    "types_covered": ("types covered (%)", _PERCENT),
    "tokens_covered": ("tokens covered (%)", _PERCENT),
    "wordsim": ("WordSim353 ρ", "{:.2f}"),
    "wordsim_oov": ("WordSim353 OOV (%)", _PERCENT),
    "simlex": ("SimLex-999 ρ", "{:.2f}"),
    "analogies": ("analogies (%)", _PERCENT),
    "analogies_oov": ("analogies OOV (%)", _PERCENT),
    "cos_good_bad": ("cos(good, bad)", "{:.2f}"),
}


def curve_table(curve) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.corpus_curve` for reading: one column per corpus, each fact in its own
    format, each difference from ``rand`` in points with its 95% CI."""
    from .study import CURVE_MODES

    rows = {}
    for field, (label, form) in _CURVE_FACTS.items():
        rows[label] = [MISSING if pd.isna(v) else form.format(v).rstrip("%") for v in curve[field]]
    for field, mode in CURVE_MODES.items():
        rows[f"{mode} − rand (points)"] = [
            points(d, h) for d, h in zip(curve[f"{field}_difference"], curve[f"{field}_ci95"])
        ]
        rows[f"{mode} − rand: verdict"] = list(curve[f"{field}_verdict"])
    columns = [CORPUS_LABELS.get(name, name) for name in curve.index]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


# ---------------------------------------------------------------- question 2's drift over folds

# What the page calls each fact of w2vcnn.drift.RunDrift and SwapBack
DRIFT_LABELS = {
    "angle_neutral_words": "angle, neutral words (°)",
    "angle_mild_words": "angle, mild words (°)",
    "angle_polar_words": "angle, polar words (°)",
    "relative_change_neutral_words": "relative change, neutral words",
    "relative_change_mild_words": "relative change, mild words",
    "relative_change_polar_words": "relative change, polar words",
    "angle_pretrained_rows": "angle, pretrained rows (°)",
    "angle_random_rows": "angle, random rows (°)",
    "norm_pretrained_rows": "norm, pretrained rows",
    "norm_random_rows": "norm, random rows",
    "cos_good_bad_before": "cos(good, bad) before",
    "cos_good_bad_after": "cos(good, bad) after",
    "neighbours_kept": "neighbours kept, 200 most polar words (Jaccard@10)",  # run_drift's
    "accuracy_fine_tuned": "accuracy, fine-tuned vectors (%)",
    "accuracy_initial_put_back": "accuracy, initial vectors put back (%)",
    "lost": "lost (points)",
}
_DRIFT_IN_POINTS = ("accuracy_fine_tuned", "accuracy_initial_put_back", "lost")


def seed_variance_table(variance) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.seed_variance` for the page: each SD in points with its 95%
    interval, ``"1.2 (0.8–2.3)"``."""
    return pd.DataFrame(
        {
            "folds": variance["folds"],
            "replicates": variance["replicates"],
            "SD between folds (points, 95% CI)": _sd_with_interval(variance, "sd_between_folds"),
            "SD between seeds (points, 95% CI)": _sd_with_interval(variance, "sd_between_seeds"),
        }
    )


def _sd_with_interval(frame, name: str) -> list[str]:
    """Each SD in points with its interval; :data:`MISSING` where there is none (one fold or
    seed)."""
    return [
        MISSING if pd.isna(sd) else f"{100 * sd:.1f} ({100 * low:.1f}–{100 * high:.1f})"
        for sd, low, high in zip(frame[name], frame[f"{name}_low"], frame[f"{name}_high"])
    ]


def seed_stability_table(stability) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.seed_stability` for the page: each replicate's mean difference
    (points), then the SDs of the difference with their 95% intervals (points) and whether every
    replicate's difference has the same sign."""
    columns = {}
    for replicate, rows in stability.attrs["by replicate"].groupby(level="replicate"):
        rows = rows.droplevel("replicate")
        columns[f"replicate {replicate}: a − b (points)"] = 100 * rows["difference"]
    return pd.DataFrame(columns).assign(
        **{
            "SD between folds (points, 95% CI)": _sd_with_interval(stability, "sd_between_folds"),
            "SD between seeds (points, 95% CI)": _sd_with_interval(stability, "sd_between_seeds"),
            "same sign every seed": stability["same_sign"],
        }
    )


def points_range(low: float, high: float) -> str:
    """Two fractions as a range in points: ``"0.4 to 2.4"``."""
    return f"{100 * low:.1f} to {100 * high:.1f}"


def machine_in_words(facts: dict) -> str:
    """:func:`w2vcnn.machine.machine` as a phrase: ``"AMD EPYC (2 cores, avx2 fma; sgemm 166
    GFLOP/s on all cores, 81 on one)"``."""
    return (
        f"{facts['cpu']} ({facts['cores']} cores, {facts['vector_extensions']}; sgemm "
        f"{facts['sgemm_all_cores']:.0f} GFLOP/s on all cores, {facts['sgemm_1_thread']:.0f} "
        "on one)"
    )


def environment_table(facts: dict) -> pd.DataFrame:
    """:func:`w2vcnn.machine.environment` for the page: one labelled row per fact."""
    labels = {
        "cpu": "CPU",
        "vector_extensions": "vector extensions",
        "sgemm_1_thread": "sgemm GFLOP/s, 1 thread",
        "sgemm_all_cores": f"sgemm GFLOP/s, {facts.get('cores', 'all')} threads",
    }
    shown = {labels.get(name, name): value for name, value in facts.items()}
    return pd.Series(shown, name="value").to_frame()


def drift_fact(fact: str, mean: float, ci95: float = math.nan) -> str:
    """One fact of :func:`w2vcnn.analyses.drift_over_folds` as "mean ± CI", accuracies in points,
    to three significant digits; :data:`MISSING` where the runs cannot tell it (NaN)."""
    scale = 100 if fact in _DRIFT_IN_POINTS else 1
    if pd.isna(mean):
        return MISSING
    if pd.isna(ci95):
        return f"{scale * mean:.3g}"
    if ci95 <= 1e-9 * abs(mean):  # runs that agree exactly (one set of vectors): rounding's noise
        ci95 = 0.0
    return f"{scale * mean:.3g} ± {scale * ci95:.2g}"


def vectors_label(dataset: str, corpus: str) -> str:
    """``"rt-polarity, in-domain"``: a dataset and the :data:`CORPUS_LABELS` of its vectors."""
    return f"{dataset}, {CORPUS_LABELS.get(corpus, corpus)}"


def drift_over_folds_table(summary) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.drift_over_folds` for reading: a column per dataset and vectors, a row
    per fact, "mean ± 95% CI" over the runs (accuracies in points), and the runs behind it."""
    columns = {}
    for (dataset, corpus), facts in summary.groupby(level=["dataset", "corpus"], sort=False):
        facts = facts.droplevel(["dataset", "corpus"])
        cells = {"runs": str(facts["runs"].max())}
        for fact, row in facts.iterrows():
            cells[DRIFT_LABELS.get(fact, fact)] = drift_fact(fact, row["mean"], row["ci95"])
        columns[vectors_label(dataset, corpus)] = cells
    return pd.DataFrame(columns).rename_axis("mean ± 95% CI over the runs")


# ---------------------------------------------------------------- question 1's backends


def backend_table(agreement) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.backend_agreement` for reading: a row per mode (and over all modes),
    differences in points."""
    rows = {}
    for mode, row in agreement.iterrows():
        pooled = pd.isna(row["test_sentences"])
        rows[mode] = {
            "paired folds" if pooled else "paired runs": int(row["pairs"]),
            "Keras − PyTorch (points)": f"{100 * row['difference']:+.2f}",
            "90% CI": interval90(row),
            "margin (± points)": 100 * row["margin"],
            "TOST p": row["tost_p"],
            "equivalent": "yes" if row["equivalent"] else "not shown",
            "TOST power": row["power"],
            "same prediction (%)": 100 * row["same_prediction"],
            "test sentences": row["test_sentences"],
            "only Keras right / only PyTorch right": (
                MISSING
                if pooled
                else f"{row['only_keras_right']:.0f} / {row['only_torch_right']:.0f}"
            ),
            "McNemar p": row["mcnemar_p"],
            "per-sentence difference, 95% CI (points)": (
                MISSING if pooled else sentence_difference(row)
            ),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("mode")


def interval90(row) -> str:
    """A TOST row's 90% interval in points: ``"[-0.52, +0.81]"``."""
    return f"[{100 * row['ci90_low']:+.2f}, {100 * row['ci90_high']:+.2f}]"


def sentence_difference(row) -> str:
    """A backend row's per-sentence accuracy difference in points with its 95% interval."""
    return f"{100 * row['sentence_difference']:+.2f} ± {100 * row['sentence_ci95']:.2f}"


# ---------------------------------------------------------------- beyond's labelled-size sweep


def sweep_table(differences, contrasts: Mapping[str, tuple]) -> pd.DataFrame:
    """:func:`w2vcnn.analyses.sweep_differences` for reading: a row per dataset and share of the
    training split, a column per contrast of ``contrasts`` (:data:`w2vcnn.study.SWEEP_CONTRASTS`;
    headed by its sides, ``"static − rand"``), "+1.2 ± 0.8" points in each cell."""
    cells = differences.apply(lambda row: points(row["difference"], row["ci95"]), axis=1)
    table = cells.unstack("contrast")[list(contrasts)]
    table.columns = [f"{label(a)} − {label(b)}" for a, b in contrasts.values()]
    table.index = pd.MultiIndex.from_tuples(
        [(dataset, f"{fraction:.0%}") for dataset, fraction in table.index],
        names=["dataset", "labelled"],
    )
    return table
