"""The book's figures: one function per figure, each returning a matplotlib ``Figure``.

Each figure is made by ``pyplot`` (which, in Jupyter, sets up the inline display of figures) and
closed at once (see :func:`_new_figure`), so a notebook cell that ends with the call shows it
exactly once, and a loop of them never warns about too many open figures. Save one
with ``fig.savefig(path)``. The house style applies only while a figure is being built; global
``rcParams`` are left as they were. Accuracies come in as fractions and are shown as percentages.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from .records import variant
from .tables import CORPUS_LABELS, label, vectors_label

PAGE = (8.0, 4.5)  # inches: readable at the book's page width
_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.frameon": False,  # no savefig.* here: those are read at save time, outside this context
}
_METRICS = {  # curve field -> (axis label, shown in percent)
    "dev_accuracy": ("dev accuracy (%)", True),
    "train_accuracy": ("training accuracy (%)", True),
    "train_loss": ("training loss (cross-entropy, nats)", False),
}


def _new_figure(**kwargs) -> Figure:
    """A figure pyplot has already let go of: returned from a cell, Jupyter shows it once."""
    fig = plt.figure(**kwargs)
    plt.close(fig)
    return fig


def _styled(function: Callable) -> Callable:
    """Build the figure under the house style; rcParams return to what they were afterwards."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(_STYLE):
            return function(*args, **kwargs)

    return wrapper


def _colours(n: int) -> list:
    return [mpl.colormaps["tab10"](i % 10) for i in range(n)]


# ---------------------------------------------------------------- training


@_styled
def learning_curves(
    results: Sequence,
    label: Callable = lambda r: variant(r.config),
    metric: str = "dev_accuracy",
    show_best: bool = True,
) -> Figure:
    """``metric`` per epoch, one line per ``label(result)``: the mean over its runs, a min-max band
    (question 1's modes, Beyond's transfer schedules).

    ``results`` are :class:`~w2vcnn.experiments.RunResult` objects; runs without a curve (the
    tf-idf baseline) are skipped. Early stopping ends runs at different epochs: each epoch's mean
    and band cover the runs still training then, and a line stops at the last epoch where at least
    half of its runs still train (a mean of the few runs that did not stop early describes those
    runs, not the variant); the dots still show every run's best epoch.
    ``show_best`` marks each run's best dev epoch, the weights it was tested with.
    """
    if metric not in _METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid: {', '.join(_METRICS)}")
    axis_label, percent = _METRICS[metric]
    scale = 100.0 if percent else 1.0
    groups: dict[str, list] = {}
    for result in results:
        if result.curve:
            groups.setdefault(label(result), []).append(result)
    fig = _new_figure(figsize=PAGE, layout="constrained")
    ax = fig.add_subplot()
    for colour, (name, runs) in zip(_colours(len(groups)), groups.items()):
        frame = pd.DataFrame(
            [
                {"run": n, "epoch": e["epoch"], "value": scale * e[metric]}
                for n, run in enumerate(runs)
                for e in run.curve
            ]
        )
        per_epoch = frame.groupby("epoch")["value"].agg(["mean", "min", "max", "count"])
        per_epoch = per_epoch[2 * per_epoch["count"] >= len(runs)]
        ax.plot(
            per_epoch.index,
            per_epoch["mean"],
            color=colour,
            lw=2,
            label=f"{name} ({len(runs)} runs)",
        )
        if len(runs) > 1:
            ax.fill_between(
                per_epoch.index, per_epoch["min"], per_epoch["max"], color=colour, alpha=0.15, lw=0
            )
        if show_best:
            best = [
                (r.best_epoch, scale * e[metric])
                for r in runs
                for e in r.curve
                if e["epoch"] == r.best_epoch
            ]
            if best:
                ax.scatter(
                    *zip(*best), color=colour, s=25, zorder=3, edgecolor="white", linewidth=0.5
                )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(axis_label)
    how = "line: mean over runs, while half or more still train · band: min to max" + (
        " · dot: a run's best dev epoch" if show_best else ""
    )
    ax.set_title(f"{axis_label.split(' (')[0].capitalize()} per epoch\n{how}")
    if groups:
        ax.legend(loc="best")
    return fig


@_styled
def accuracy_by_run(
    frame: pd.DataFrame,
    rows: str = "variant",
    reference: Mapping[str, Mapping[str, float]] | None = None,
    reference_label: str = "published",
    value: str = "test_accuracy",
) -> Figure:
    """Every run as a dot, and each group's mean with its 95% CI: one panel per dataset.

    ``frame`` is a grid's DataFrame (one row per run, e.g. per fold); ``rows`` names the column
    whose values make the rows of each panel, top to bottom in order of first appearance.
    ``reference`` adds published numbers, in percent, as red crosses: ``{dataset: {row: value}}``,
    e.g. Kim (2014)'s Table 2 (question 1). Accuracies are shown in percent. A group of one run has
    no interval and gets no bar, so a single run never looks certain.
    """
    from .stats import mean_ci

    datasets = list(pd.unique(frame["dataset"]))
    labels = list(pd.unique(frame[rows]))
    fig = _new_figure(figsize=(PAGE[0], max(2.4, 1.2 + 0.45 * len(labels))), layout="constrained")
    axes = fig.subplots(1, len(datasets), sharey=True, squeeze=False)[0]
    for ax, dataset in zip(axes, datasets):
        runs = frame[frame["dataset"] == dataset]
        for y, group in enumerate(labels):
            values = 100 * runs.loc[runs[rows] == group, value].to_numpy(float)
            if not len(values):
                continue
            ax.scatter(
                values,
                np.full(len(values), y + 0.18),
                s=16,
                color="grey",
                alpha=0.8,
                lw=0,
                label="one run" if y == 0 else None,
            )
            mean, half_width = mean_ci(values)
            if np.isfinite(half_width):
                ax.errorbar(
                    mean,
                    y,
                    xerr=half_width,
                    fmt="none",
                    ecolor="tab:blue",
                    elinewidth=1.5,
                    capsize=3,
                )
            ax.scatter(
                [mean],
                [y],
                s=40,
                color="tab:blue",
                zorder=3,
                label="mean, 95% CI" if y == 0 else None,
            )
            published = (reference or {}).get(dataset, {}).get(group)
            if published is not None:
                ax.scatter(
                    [published],
                    [y],
                    s=45,
                    marker="x",
                    color="tab:red",
                    zorder=3,
                    label=reference_label if y == 0 else None,
                )
        ax.set_title(str(dataset))
        ax.set_xlabel(f"{value.replace('_', ' ')} (%)")
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(range(len(labels)), [label(name) for name in labels])
    axes[0].invert_yaxis()  # first group on top, as in the tables
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=len(names))
    return fig


@_styled
def corpus_curve(
    table: pd.DataFrame, reference: Mapping[str, float] | None = None, reference_tokens=None
) -> Figure:
    """Accuracy minus ``rand`` against the pretraining corpus's tokens (log scale), one line per
    mode, with 95% CIs: ``table`` is :func:`w2vcnn.analyses.corpus_curve`'s. ``reference`` marks
    published gains at ``reference_tokens`` (Kim's GoogleNews vectors: ``{mode: points}``)."""
    from .study import CURVE_MODES

    fig = _new_figure(figsize=PAGE, layout="constrained")
    ax = fig.subplots()
    table = table.sort_values("tokens")
    for colour, (field, mode) in zip(_colours(2), CURVE_MODES.items()):
        ax.errorbar(
            table["tokens"],
            100 * table[f"{field}_difference"],
            yerr=100 * table[f"{field}_ci95"],
            marker="o",
            capsize=3,
            color=colour,
            label=f"{mode} − rand (ours)",
        )
        if reference and mode in reference:
            ax.scatter(
                [reference_tokens], [reference[mode]], marker="x", s=60, color=colour, zorder=3
            )
            ax.annotate(
                f"Kim, {mode}",
                (reference_tokens, reference[mode]),
                textcoords="offset points",
                xytext=(-8, 6),
                ha="right",
                fontsize=8,
                color=colour,
            )
    for i, (name, row) in enumerate(table.iterrows()):
        ax.annotate(  # right of the point, clear of its error bar; low and high in turn, as
            # neighbouring corpora may have similar sizes
            CORPUS_LABELS.get(name, name),
            (row["tokens"], 100 * row["static_difference"]),
            textcoords="offset points",
            xytext=(7, -12 if i % 2 == 0 else 8),
            ha="left",
            fontsize=8,
            color="dimgrey",
            annotation_clip=False,
        )
    ax.margins(x=0.12)  # room for the first label's point and the last one's text
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("pretraining tokens (log scale)")
    ax.set_ylabel("test accuracy minus rand (points)")
    ax.legend(loc="upper left")
    return fig


@_styled
def accuracy_by_fraction(frame: pd.DataFrame, hue: str = "model") -> Figure:
    """Mean test accuracy (95% CI over the folds) against the share of the training split the
    classifier saw (log scale), one line per value of ``hue``, one panel per dataset."""
    from .stats import mean_ci

    datasets = list(pd.unique(frame["dataset"]))
    fig = _new_figure(figsize=(PAGE[0], PAGE[1] * 0.9), layout="constrained")
    axes = fig.subplots(1, len(datasets), sharey=False, squeeze=False)[0]
    groups = list(pd.unique(frame[hue]))
    for ax, dataset in zip(axes, datasets):
        runs = frame[frame["dataset"] == dataset]
        for colour, group in zip(_colours(len(groups)), groups):
            by_fraction = runs[runs[hue] == group].groupby("train_fraction")["test_accuracy"]
            cells = [(f, *mean_ci(100 * v.to_numpy(float))) for f, v in by_fraction]
            fractions, means, halves = (np.array(c) for c in zip(*cells))
            ax.errorbar(
                100 * fractions,
                means,
                yerr=halves,
                marker="o",
                capsize=3,
                color=colour,
                label=label(group),
            )
        ax.set_xscale("log")
        shares = sorted(100 * runs["train_fraction"].unique())
        ax.set_xticks(shares, [f"{share:g}" for share in shares])
        ax.minorticks_off()
        ax.set_title(str(dataset))
        ax.set_xlabel("share of the training split used (%)")
    axes[0].set_ylabel("test accuracy (%)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=len(names))
    return fig


# ---------------------------------------------------------------- word vectors


@_styled
def angle_by_decile(tables: Mapping[str, pd.DataFrame]) -> Figure:
    """How far fine-tuning turned the frequent words, by training-frequency decile, one line per
    polarity group (one for all words where there is no polarity), one panel per entry of
    ``tables`` (:func:`w2vcnn.drift.angle_by_decile` frames, e.g. averaged over folds by
    :func:`w2vcnn.analyses.drift_over_folds`, keyed by ``(dataset, corpus)`` or by a title)."""
    fig = _new_figure(figsize=(PAGE[0], PAGE[1] * 0.85), layout="constrained")
    axes = fig.subplots(1, len(tables), sharey=True, squeeze=False)[0]
    for ax, (name, table) in zip(axes, tables.items()):
        for colour, group in zip(_colours(len(table.columns)), table.columns):
            ax.plot(table.index, table[group], marker="o", ms=3, color=colour, label=str(group))
        ax.set_title(vectors_label(*name) if isinstance(name, tuple) else str(name), fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # one label under all panels: a label per narrow panel runs into its neighbour's
    fig.supxlabel("training-frequency decile (1: rarest)", fontsize=10)
    axes[0].set_ylabel("median angle turned (degrees)")
    # every panel's lines (a dataset of more than two classes has one, "all words"), once each
    legend = {n: h for ax in axes for h, n in zip(*ax.get_legend_handles_labels())}
    fig.legend(legend.values(), legend.keys(), loc="outside upper center", ncols=len(legend))
    return fig


@_styled
def drift_vs_frequency(tables: Mapping[str, pd.DataFrame], zero_at: float = 0.5) -> Figure:
    """Each word's cosine drift against its training count, one colour per :func:`drift_table`
    (question 2).

    ``tables`` maps a name to a drift table, e.g. ``{"static": ..., "non-static": ...}``. The count
    axis is logarithmic; words never in a training sentence (count 0) are drawn as crosses at
    ``zero_at``, left of 1, on the tick labelled "0". A line per table follows the median drift in
    bins of doubling counts.
    """
    fig = _new_figure(figsize=(PAGE[0], 5.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xscale("log")
    top = 1
    for colour, (name, table) in zip(_colours(len(tables)), tables.items()):
        seen = table[table["count"] > 0]
        unseen = table[table["count"] == 0]
        ax.scatter(
            seen["count"],
            seen["cosine_distance"],
            s=6,
            alpha=0.35,
            color=colour,
            lw=0,
            rasterized=True,
            label=f"{name}: a word",
        )
        if len(unseen):
            ax.scatter(
                np.full(len(unseen), zero_at),
                unseen["cosine_distance"],
                s=18,
                marker="x",
                color=colour,
                alpha=0.6,
                lw=1,
                rasterized=True,
                label=f"{name}: {len(unseen)} words never in training (count 0)",
            )
        centres, medians = _running_median(
            seen["count"].to_numpy(), seen["cosine_distance"].to_numpy()
        )
        if len(centres):
            ax.plot(centres, medians, color=colour, lw=2.2, label=f"{name}: median")
        top = max(top, int(seen["count"].max()) if len(seen) else 1)
    decades = [10.0**e for e in range(0, int(math.log10(top)) + 1)]
    ax.set_xticks([zero_at, *decades], ["0", *(f"{d:,.0f}" for d in decades)])
    ax.set_xlim(zero_at / 1.6, top * 1.6)
    ax.set_xlabel("occurrences in training sentences (log scale; 0 = never seen)")
    ax.set_ylabel("cosine distance, initial to final vector")
    ax.set_title(
        "How far each word vector turned during training, by how often the word was trained"
    )
    # below the axes, one column per table: rare words can drift most, so no corner is reliably free
    fig.legend(loc="outside lower center", ncols=max(1, len(tables)), markerscale=2)
    return fig


def _running_median(counts: np.ndarray, values: np.ndarray, min_words: int = 5):
    """Median of ``values`` in count bins [1, 2), [2, 4), [4, 8), ...; bins with few words
    dropped."""
    if len(counts) == 0:
        return np.array([]), np.array([])
    bins = np.floor(np.log2(counts)).astype(int)
    centres, medians = [], []
    for b in np.unique(bins):
        inside = bins == b
        if inside.sum() >= min_words:
            centres.append(2.0 ** (b + 0.5))  # geometric centre of [2^b, 2^(b+1))
            medians.append(float(np.median(values[inside])))
    return np.array(centres), np.array(medians)


@_styled
def drift_arrows(
    words: Sequence[str],
    before_xy: np.ndarray,
    after_xy: np.ndarray,
    highlight: Sequence[str] | None = None,
    max_labels: int = 30,
) -> Figure:
    """Arrows from each word's position before fine-tuning to its position after, in one 2-D space
    (question 2).

    ``before_xy``/``after_xy`` come from :func:`w2vcnn.drift.projection_2d` (rows match ``words``).
    Labels: the ``highlight`` words (drawn in colour), else the ``max_labels`` words that moved
    farthest; with more, the picture is unreadable. Equal axis scales, so arrow lengths compare.
    """
    before_xy, after_xy = np.asarray(before_xy, float), np.asarray(after_xy, float)
    moved = np.linalg.norm(after_xy - before_xy, axis=1)
    emphasised = set(highlight or ())
    labelled = (
        [i for i, w in enumerate(words) if w in emphasised]
        if highlight is not None
        else list(np.argsort(-moved, kind="stable"))
    )[:max_labels]
    fig = _new_figure(figsize=(PAGE[0], 6.0), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(
        *before_xy.T,
        s=22,
        facecolor="white",
        edgecolor="grey",
        lw=1,
        zorder=2,
        label="before fine-tuning",
    )
    ax.scatter(*after_xy.T, s=22, color="tab:blue", zorder=3, label="after fine-tuning")
    if emphasised:
        chosen = np.array([w in emphasised for w in words], dtype=bool)
        ax.scatter(
            *after_xy[chosen].T, s=30, color="tab:red", zorder=4, label="after (highlighted words)"
        )
    for i, word in enumerate(words):
        colour = "tab:red" if word in emphasised else "tab:blue"
        ax.add_patch(
            FancyArrowPatch(
                before_xy[i],
                after_xy[i],
                arrowstyle="-|>",
                mutation_scale=10,
                color=colour,
                alpha=0.7,
                lw=1,
                shrinkA=3,
                shrinkB=3,
                zorder=1,
            )
        )
    for i in labelled:
        ax.annotate(
            words[i],
            after_xy[i],
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=9,
            color="tab:red" if words[i] in emphasised else "black",
        )
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("principal component 1 (of the vectors before and after)")
    ax.set_ylabel("principal component 2")
    ax.set_title("Word vectors before (○) and after (●) fine-tuning, one shared 2-D PCA")
    ax.legend(loc="best")
    return fig


# ---------------------------------------------------------------- schematics

_INPUT, _HIDDEN, _OUTPUT, _NOTE = "#cfe2f3", "#fce5cd", "#d9ead3", "#555555"
_CONTEXT = ("w(t−2)", "w(t−1)", "w(t+1)", "w(t+2)")
_CONTEXT_Y = (7.3, 5.9, 4.5, 3.1)
_MIDDLE_Y = 5.2
# Kim (2014), Figure 1
_SENTENCE = ("wait", "for", "the", "video", "and", "do", "n't", "rent", "it")


@_styled
def word2vec_shapes() -> Figure:
    """Schematic of skip-gram, CBOW (Mikolov et al. 2013) and Kim (2014)'s CNN, side by side
    (question 3).

    Skip-gram: one input word -> its projection (its row of the input matrix, the vector that
    ``vec.bin`` stores) -> predict each context word, trained by negative sampling. CBOW: the
    context words -> the average of their projections -> predict the middle word. CNN: the sentence
    matrix -> convolutions of widths 3, 4, 5 -> max-over-time pooling -> dropout -> softmax.
    """
    fig = _new_figure(figsize=(9.0, 4.5), layout="constrained")
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.4]})
    for ax in axes:
        ax.set_xlim(-0.4, 10.4)  # a margin, so neighbouring panels' boxes do not touch
        ax.set_ylim(0, 10)
        ax.set_axis_off()
    _skipgram(axes[0])
    _cbow(axes[1])
    _kim_cnn(axes[2])
    return fig


def _box(ax, x, y, text, colour, width=2.2, height=0.9, fontsize=8.5):
    """A rounded box centred on (x, y)."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.05",
            facecolor=colour,
            edgecolor="black",
            lw=0.8,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, colour="black", style="-|>", **kwargs):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=9,
            color=colour,
            lw=1,
            shrinkA=0,
            shrinkB=0,
            **kwargs,
        )
    )


def _lighter(colour, amount=0.7):
    """``colour`` mixed with white, opaque: arrows drawn behind it stay hidden."""
    return tuple(1 - (1 - c) * (1 - amount) for c in mpl.colors.to_rgb(colour))


def _note(ax, x, y, text, **kwargs):
    ax.text(x, y, text, ha="center", va="center", fontsize=8, color=_NOTE, **kwargs)


def _word2vec_columns(ax, title):
    ax.set_title(title, fontsize=10)
    for x, name in ((1.1, "input"), (5.0, "projection"), (8.9, "output")):
        _note(ax, x, 9.0, name, fontweight="bold")
    _note(
        ax,
        5.0,
        1.3,
        "negative sampling: the true word\nscored against 5 random words\n"
        "vec.bin keeps the projection rows",
    )


def _skipgram(ax):
    _word2vec_columns(ax, "skip-gram\na word predicts its context")
    _box(ax, 1.1, _MIDDLE_Y, "w(t)", _INPUT, width=2.0)
    _box(ax, 5.0, _MIDDLE_Y, "vector\nof w(t)", _HIDDEN, width=3.2, height=1.4, fontsize=8)
    _arrow(ax, (2.1, _MIDDLE_Y), (3.4, _MIDDLE_Y))
    for text, y in zip(_CONTEXT, _CONTEXT_Y):
        _box(ax, 8.9, y, text, _OUTPUT, width=2.0)
        _arrow(ax, (6.6, _MIDDLE_Y), (7.9, y))


def _cbow(ax):
    _word2vec_columns(ax, "CBOW\nthe context predicts the word")
    for text, y in zip(_CONTEXT, _CONTEXT_Y):
        _box(ax, 1.1, y, text, _INPUT, width=2.0)
        _arrow(ax, (2.1, y), (3.4, _MIDDLE_Y))
    _box(ax, 5.0, _MIDDLE_Y, "mean of the\n4 vectors", _HIDDEN, width=3.2, height=1.4, fontsize=8)
    _box(ax, 8.9, _MIDDLE_Y, "w(t)", _OUTPUT, width=2.0)
    _arrow(ax, (6.6, _MIDDLE_Y), (7.9, _MIDDLE_Y))


def _kim_cnn(ax):
    ax.set_title("Kim (2014) CNN\nsentence matrix → label", fontsize=10)
    for x, name in (
        (2.1, "word vectors\nn words × k"),
        (4.9, "convolution\nwidths 3, 4, 5"),
        (7.15, "max over\ntime"),
        (9.0, "softmax"),
    ):
        _note(ax, x, 9.0, name, fontweight="bold")
    top, cell, left = 8.0, 0.62, 1.15
    for i, word in enumerate(_SENTENCE):
        y = top - cell * (i + 1)
        ax.text(left - 0.15, y + cell / 2, word, ha="right", va="center", fontsize=8)
        for j in range(4):
            ax.add_patch(
                Rectangle(
                    (left + 0.5 * j, y), 0.5, cell, facecolor=_INPUT, edgecolor="grey", lw=0.5
                )
            )
    # one filter per width, drawn at one position each; its map has a feature per position.
    # (width, drawn at, max at, colour)
    filters = ((3, 0, 4, "tab:red"), (4, 2, 3, "tab:orange"), (5, 4, 1, "tab:purple"))
    for f, (h, at, best, colour) in enumerate(filters):
        inset = 0.08 * f
        ax.add_patch(
            Rectangle(
                (left - 0.05 + inset, top - cell * (at + h) + inset),
                2.1 - 2 * inset,
                cell * h - 2 * inset,
                fill=False,
                edgecolor=colour,
                lw=1.6,
            )
        )
        x = 4.1 + 0.75 * f

        def centre(p, h=h):  # feature p sits level with the middle of its window
            return top - cell * (p + h / 2)

        for p in range(len(_SENTENCE) - h + 1):
            ax.add_patch(
                Rectangle(
                    (x, centre(p) - cell / 2),
                    0.5,
                    cell,
                    edgecolor="white",
                    lw=0.6,
                    zorder=2,
                    facecolor=colour if p == best else _lighter(colour),
                )
            )
        _arrow(ax, (left + 2.05 - inset, centre(at)), (x, centre(at)), colour=colour)
        pooled_y = 6.2 - 0.85 * f
        _arrow(ax, (x + 0.5, centre(best)), (6.9, pooled_y), colour=colour)
        ax.add_patch(
            Rectangle(
                (6.9, pooled_y - 0.35), 0.5, 0.7, facecolor=colour, alpha=0.9, edgecolor="white"
            )
        )
    for name, y in (("positive", 5.9), ("negative", 4.5)):
        _box(ax, 9.0, y, name, _OUTPUT, width=1.6, height=0.8, fontsize=8)
        for f in range(3):
            _arrow(
                ax, (7.4, 6.2 - 0.85 * f), (8.2, y), colour="grey", style="-", linestyle=(0, (2, 1))
            )
    _note(ax, 7.15, 3.2, "3 × 100\nfeatures")
    _note(ax, 9.0, 3.2, "dropout 0.5\nbefore it")
    _note(
        ax,
        5.0,
        1.0,
        "a filter spans whole words (rows);\nthe max keeps its strongest match anywhere",
    )
