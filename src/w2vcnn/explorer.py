"""Views a reader works on the page: a word explorer over a fine-tuning run's drift (bokeh) and
sortable, filterable tables (itables).

Everything a view needs travels inside its HTML output: the libraries' scripts inline, the data as
binary arrays, so the pages work from a local ``_build/html``, offline, and in a notebook. The
explorer holds a run's most frequent words with their neighbour lists computed here (not the
vectors, which would weigh megabytes).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import drift

N_WORDS = 2000  # the explorer's vocabulary: a run's most frequent training words (< 2**15)
K = 10  # neighbours listed, before and after
_PALETTE = ("#2166ac", "#4393c3", "#92c5de", "#999999", "#f4a582", "#d6604d", "#b2182b")


@dataclass(frozen=True)
class WordMap:
    """What the explorer shows of one fine-tuning run: its ``N_WORDS`` most frequent training
    words (most frequent first) with their training ``count``, ``angle`` turned (degrees),
    ``polarity`` (log-odds of the second label over the first; NaN with more than two classes),
    positions before and after in one 2-D projection, and each word's ``k`` nearest among them by
    cosine, before and after (indices into ``words``, nearest first)."""

    dataset: str
    run_id: str
    run: str  # which run, in words: "fold 0, non-static" (a given split: "seed 0, ...")
    label_names: list[str]
    words: list[str]
    count: np.ndarray
    angle: np.ndarray
    polarity: np.ndarray
    before_xy: np.ndarray
    after_xy: np.ndarray
    before_neighbours: np.ndarray  # (words, k)
    after_neighbours: np.ndarray
    before_cosine: np.ndarray  # (words, k)
    after_cosine: np.ndarray


def word_map(result, n_words: int = N_WORDS, k: int = K) -> WordMap:
    """The :class:`WordMap` of a fine-tuning run (a ``RunResult`` whose embeddings moved)."""
    from .experiments import prepared_run
    from .splits import Split

    if not 0 < n_words < 2**15:  # the page sends neighbour indices as int16
        raise ValueError(f"n_words must be between 1 and {2**15 - 1}, got {n_words}")
    table = drift.word_drift(result, min_count=1)
    top = table.sort_values("count", ascending=False, kind="stable").head(n_words)
    if len(top) <= k:
        raise ValueError(
            f"run {result.run_id} has {len(top)} training words: the explorer needs more than {k}"
        )
    words, initial, final = result.embeddings()
    position = {w: i for i, w in enumerate(words)}
    rows = np.array([position[w] for w in top["word"]])
    before_xy, after_xy = drift.projection_2d(initial, final, rows)
    before_neighbours, before_cosine = nearest_among(initial[rows], k)
    after_neighbours, after_cosine = nearest_among(final[rows], k)
    c = result.config
    where = f"fold {c.fold}" if c.split == Split.KFOLD else f"seed {c.seed}"
    return WordMap(
        dataset=c.dataset,
        run_id=result.run_id,
        run=f"{where}, {c.mode}",
        label_names=list(prepared_run(result.config).dataset.label_names),
        words=top["word"].tolist(),
        count=top["count"].to_numpy(),
        angle=top["angle"].to_numpy(),
        polarity=top["polarity"].to_numpy(),
        before_xy=before_xy,
        after_xy=after_xy,
        before_neighbours=before_neighbours,
        after_neighbours=after_neighbours,
        before_cosine=before_cosine,
        after_cosine=after_cosine,
    )


def nearest_among(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, cosines)``, each ``(len(vectors), k)``: every row's ``k`` nearest other rows
    by cosine similarity, nearest first."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if not 0 < k < len(vectors):
        raise ValueError(f"k must be between 1 and {len(vectors) - 1}, got {k}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1.0, norms)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argpartition(-similarity, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(similarity, nearest, axis=1), axis=1, kind="stable")
    nearest = np.take_along_axis(nearest, order, axis=1)
    return nearest, np.take_along_axis(similarity, nearest, axis=1)


def word_explorer(maps: Mapping[str, WordMap] | WordMap, first_word: str = "good"):
    """The explorer as an HTML output: per dataset (a tab each), a search box with completion
    over the words held, the typed word's neighbours before and after fine-tuning (which arrived,
    which left), how far it turned, how often it occurs and which label it leans to; beside it
    the map of every word's fine-tuned position (hover for its label, zoom, a frequency filter)
    with the typed word's arrow from its pretrained position. Opens on ``first_word`` where a
    dataset holds it, else on its most frequent word."""
    from bokeh.models import TabPanel, Tabs

    maps = {maps.dataset: maps} if isinstance(maps, WordMap) else dict(maps)
    if not maps:
        raise ValueError("word_explorer needs at least one WordMap")
    panels = [_explorer_panel(m, first_word) for m in maps.values()]
    view = (
        panels[0][0]
        if len(panels) == 1
        else Tabs(
            tabs=[TabPanel(child=p, title=name) for name, (p, _) in zip(maps, panels)],
            sizing_mode="stretch_width",
        )
    )
    # each opening word's lists are drawn by the same code as a reader's: run it once on load
    return _bokeh_html(view, on_load=[look_up for _, look_up in panels])


def _explorer_panel(m: WordMap, first_word: str):
    from bokeh.layouts import column
    from bokeh.models import (
        AutocompleteInput,
        BooleanFilter,
        CDSView,
        ColumnDataSource,
        CustomJS,
        Div,
        HoverTool,
        LabelSet,
        LinearColorMapper,
        Slider,
    )
    from bokeh.plotting import figure

    two_labels = len(m.label_names) == 2 and not np.isnan(m.polarity).all()
    # compact arrays (bokeh sends them as binary): positions and angles as float32, cosines in
    # thousandths as int16
    points = ColumnDataSource(
        {
            "word": m.words,
            "count": m.count.astype(np.int32),
            "angle": m.angle.astype(np.float32),
            "polarity": np.nan_to_num(m.polarity).astype(np.float32),
            "x0": m.before_xy[:, 0].astype(np.float32),
            "y0": m.before_xy[:, 1].astype(np.float32),
            "x1": m.after_xy[:, 0].astype(np.float32),
            "y1": m.after_xy[:, 1].astype(np.float32),
        }
    )
    lists = ColumnDataSource(
        {
            "before": m.before_neighbours.ravel().astype(np.int16),
            "after": m.after_neighbours.ravel().astype(np.int16),
            "before_cosine": np.round(1000 * m.before_cosine.ravel()).astype(np.int16),
            "after_cosine": np.round(1000 * m.after_cosine.ravel()).astype(np.int16),
        }
    )
    arrow = ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": []})
    labels = ColumnDataSource({"x": [], "y": [], "text": []})
    shown = BooleanFilter(booleans=[True] * len(m.words))

    plot = figure(
        height=460,
        sizing_mode="stretch_width",
        tools="pan,wheel_zoom,box_zoom,reset",
        active_scroll="wheel_zoom",
        title=f"{m.dataset}: where fine-tuning moved its {len(m.words):,} most frequent words",
        x_axis_label="projection 1",
        y_axis_label="projection 2",
        name="word-map",
    )
    plot.scatter(
        "x0",
        "y0",
        source=points,
        view=CDSView(filter=shown),
        size=3,
        color="#bbbbbb",
        alpha=0.5,
        legend_label="pretrained",
    )
    colour = "#444444"
    if two_labels:
        spread = float(np.nanpercentile(np.abs(m.polarity), 95)) or 1.0
        colour = {
            "field": "polarity",
            "transform": LinearColorMapper(palette=_PALETTE, low=-spread, high=spread),
        }
    after = plot.scatter(
        "x1",
        "y1",
        source=points,
        view=CDSView(filter=shown),
        size=5,
        color=colour,
        alpha=0.8,
        legend_label="fine-tuned",
    )
    plot.segment("x0", "y0", "x1", "y1", source=arrow, color="black", line_width=2)
    plot.scatter("x1", "y1", source=arrow, size=9, color="black")
    plot.add_layout(
        LabelSet(
            x="x", y="y", text="text", source=labels, x_offset=4, y_offset=4, text_font_size="11px"
        )
    )
    tooltips = [("word", "@word"), ("occurs", "@count"), ("turned", "@angle{0.0}°")]
    if two_labels:
        tooltips.append(
            (f"leans to {m.label_names[1]} (+) or {m.label_names[0]} (−)", "@polarity{+0.00}")
        )
    plot.add_tools(HoverTool(renderers=[after], tooltips=tooltips))
    plot.legend.location = "top_left"
    plot.legend.click_policy = "hide"

    search = AutocompleteInput(
        title="Your word (the completion lists the words held):",
        completions=m.words,
        placeholder="type a word, e.g. good",
        case_sensitive=False,
        restrict=False,
        min_characters=1,
        sizing_mode="stretch_width",
    )
    at_least = Slider(
        title="Show words occurring at least this often in training",
        start=1,
        end=max(2, int(np.percentile(m.count, 90))),
        value=1,
        step=1,
        sizing_mode="stretch_width",
    )
    info = Div(text="", sizing_mode="stretch_width", css_classes=["w2v-explorer-info"])

    look_up = CustomJS(
        args={
            "search": search,
            "points": points,
            "lists": lists,
            "arrow": arrow,
            "labels": labels,
            "info": info,
            "k": m.before_neighbours.shape[1],
            "dataset": m.dataset,
            "label_names": m.label_names,
            "two_labels": two_labels,
        },
        code=_LOOK_UP_JS,
    )
    search.js_on_change("value", look_up)
    at_least.js_on_change(
        "value", CustomJS(args={"points": points, "shown": shown}, code=_FILTER_JS)
    )
    opening = first_word if first_word in m.words else m.words[0]
    search.value = opening
    note = Div(
        text=(
            f"<p>Run <code>{html.escape(m.run_id)}</code> ({html.escape(m.dataset)}, "
            f"{html.escape(m.run)}): neighbours by cosine among the words held; the map is one "
            "PCA of their pretrained and fine-tuned positions together.</p>"
        ),
        sizing_mode="stretch_width",
    )
    return column(search, info, at_least, plot, note, sizing_mode="stretch_width"), look_up


_LOOK_UP_JS = r"""
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;",
  ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const typed = (search.value || "").trim();
const words = points.data.word;
let i = words.indexOf(typed);
if (i < 0) i = words.findIndex((w) => w.toLowerCase() === typed.toLowerCase());
if (i < 0) {
  arrow.data = {x0: [], y0: [], x1: [], y1: []};
  labels.data = {x: [], y: [], text: []};
  info.text = typed === "" ? "" :
    `<p class="w2v-missing">“${escape(typed)}” is not among the ${words.length.toLocaleString()} ` +
    `most frequent words of ${escape(dataset)}'s training split, which the explorer holds ` +
    `(rarer words barely move: their rows get few gradients).</p>`;
  return;
}
const list = (which) => {
  const out = [];
  for (let j = 0; j < k; j++)
    out.push([words[lists.data[which][i * k + j]],
              lists.data[which + "_cosine"][i * k + j] / 1000]);
  return out;
};
const before = list("before"), after = list("after");
const inBefore = new Set(before.map((p) => p[0])), inAfter = new Set(after.map((p) => p[0]));
const arrived = after.filter((p) => !inBefore.has(p[0])).map((p) => p[0]);
const left = before.filter((p) => !inAfter.has(p[0])).map((p) => p[0]);
const cell = (p, other) =>
  `<td class="${other.has(p[0]) ? "" : "w2v-changed"}">${escape(p[0])}</td>` +
  `<td>${p[1].toFixed(3)}</td>`;
let rows = "";
for (let j = 0; j < k; j++)
  rows += `<tr><td>${j + 1}</td>${cell(before[j], inAfter)}${cell(after[j], inBefore)}</tr>`;
const d = points.data;
let lean = "";
if (two_labels) {
  const p = d.polarity[i];
  lean = p === 0 ? "; leans to neither label (log-odds 0)" :
    `; leans to <b>${escape(p > 0 ? label_names[1] : label_names[0])}</b> ` +
    `(log-odds ${p > 0 ? "+" : "−"}${Math.abs(p).toFixed(2)})`;
}
info.text =
  `<p><b>${escape(words[i])}</b>: occurs ${d.count[i].toLocaleString()} times in the training ` +
  `split (rank ${i + 1}); fine-tuning turned it by ${d.angle[i].toFixed(1)}°${lean}.</p>` +
  `<table class="w2v-neighbours"><thead><tr><th>rank</th><th>before</th><th>cosine</th>` +
  `<th>after</th><th>cosine</th></tr></thead><tbody>${rows}</tbody></table>` +
  `<p class="w2v-moves">arrived: ${arrived.length ? arrived.map(escape).join(", ") : "none"}` +
  ` · left: ${left.length ? left.map(escape).join(", ") : "none"}</p>`;
arrow.data = {x0: [d.x0[i]], y0: [d.y0[i]], x1: [d.x1[i]], y1: [d.y1[i]]};
const near = after.slice(0, 5).map((p) => words.indexOf(p[0]));
labels.data = {
  x: [d.x1[i], ...near.map((j) => d.x1[j])],
  y: [d.y1[i], ...near.map((j) => d.y1[j])],
  text: [words[i], ...near.map((j) => words[j])],
};
"""

_FILTER_JS = r"""
const least = cb_obj.value;
shown.booleans = Array.from(points.data.count, (c) => c >= least);
points.change.emit();
"""


def _bokeh_html(view, on_load=()):
    """``view`` with BokehJS inline (the parts it uses), as an output Jupyter and the book show;
    ``on_load``: callbacks run once the view is drawn."""
    from bokeh.document import Document
    from bokeh.embed import components
    from bokeh.embed.bundle import bundle_for_objs_and_resources
    from bokeh.events import DocumentReady
    from bokeh.resources import INLINE
    from IPython.display import HTML

    document = Document()
    document.add_root(view)
    for callback in on_load:
        document.js_on_event(DocumentReady, callback)
    bundle = bundle_for_objs_and_resources([view], INLINE)
    styles = "".join(f"<style>{css}</style>" for css in bundle.css_raw)
    scripts = "".join(f"<script>{js}</script>" for js in bundle.js_raw)
    script, div = components(view)
    return HTML(_EXPLORER_CSS + styles + scripts + div + script)


_EXPLORER_CSS = """<style>
.w2v-neighbours { border-collapse: collapse; font-size: 0.9em; margin: 0.3em 0; }
.w2v-neighbours td, .w2v-neighbours th { padding: 0.1em 0.6em; text-align: left; }
.w2v-changed { font-weight: bold; }
.w2v-missing { color: #b2182b; }
</style>"""


# ---------------------------------------------------------------- tables

_TABLES_LOADED = False


def browse(
    frame: pd.DataFrame,
    caption: str | None = None,
    panes: tuple[str, ...] = (),
    page_length: int = 10,
    **options,
):
    """``frame`` as a table a reader sorts (click a header), searches and pages through, with a
    pane of each column in ``panes`` whose values a click keeps (several values, several panes
    combine); the DataTables library inline, loaded once per page. ``options`` go to
    :func:`itables.show` (DataTables options such as ``order``)."""
    global _TABLES_LOADED
    import itables

    missing = [c for c in panes if c not in frame.columns]
    if missing:
        raise ValueError(
            f"browse: no column {missing} to filter by; columns: {list(frame.columns)}"
        )
    if not _TABLES_LOADED:
        itables.init_notebook_mode(all_interactive=False, connected=False)
        _TABLES_LOADED = True
    if panes:
        columns = [frame.columns.get_loc(c) for c in panes]
        options.setdefault("layout", {"top1": "searchPanes"})
        options.setdefault(
            "searchPanes",
            {
                "columns": columns,
                "cascadePanes": True,
                # two panes a row: a pane shows a value such as "Q1, Q2, Beyond" unclipped
                "layout": f"columns-{min(len(panes), 2)}",
                "initCollapsed": False,
            },
        )
        # a pane for each column named, however many distinct values it has
        options.setdefault("columnDefs", [{"searchPanes": {"show": True}, "targets": columns}])
    itables.show(
        frame,
        caption=caption,
        connected=False,
        showIndex=False,
        classes="display compact",
        # as wide as the text column, never wider: long cells wrap instead
        style={"width": "100%", "table-layout": "auto", "caption-side": "top"},
        text_in_header_can_be_selected=False,  # a click anywhere on a header sorts
        pageLength=page_length,
        lengthMenu=[10, 25, 100, -1],
        maxBytes=0,
        **options,
    )
