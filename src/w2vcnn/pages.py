"""Helpers for the book's pages only: the profile note and glued numbers for the prose.

Every chapter's first cell reads the profile (:func:`w2vcnn.profile.current`) and shows
:func:`profile_note`; prose numbers come from :func:`glue_contrasts` rows, glued under the names
the contrasts were given in :mod:`w2vcnn.study`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

from .profile import Profile
from .splits import Split
from .stats import verdict
from .tables import (
    MISSING,
    drift_fact,
    in_words,
    interval90,
    p_equals,
    points,
    row_verdict,
    sentence_difference,
    verdict_in_words,
)

_WORDS = "zero one two three four five six seven eight nine ten".split()


def profile_note(p: Profile, chapter: str | None = None):
    """A line saying which profile computed the page; a warning when it is the smoke-sized one;
    with ``chapter`` (a :func:`w2vcnn.study.chapter_grids` name), what re-executing it trains
    (:func:`chapter_cost`).

    Also glues the profile's fold counts as words, ``folds`` (the headline grids') and
    ``secondary_folds``, for the prose ("on the {glue:text}`folds` folds"), and the name of the
    dataset the single-dataset experiments run on, ``first_dataset``.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    from .protocol import first_name

    for name, folds in (("folds", p.folds), ("secondary_folds", p.secondary_folds)):
        count = len(folds)
        glue(name, _WORDS[count] if count < len(_WORDS) else str(count), display=False)
    glue("first_dataset", first_name(p), display=False)
    for name in ("kim_epochs", "max_epochs"):
        glue(name, str(getattr(p, name)), display=False)
    glue("patience", _epochs(p.patience), display=False)
    glue("vector_size", str(pretrained_size(p)), display=False)

    examples = (
        "all examples" if p.max_examples is None else f"{p.max_examples:,} examples per dataset"
    )
    sizes = (
        f"{_folds(p)}; question 1's headline in Kim's regime ({p.kim_epochs} epochs, the best "
        f"dev epoch kept), the other grids stopped after {_epochs(p.patience)} without a better "
        f"dev accuracy (at most {p.max_epochs}); {p.vector_size}-d vectors, "
        f"{p.feature_maps} feature maps per window, {examples}"
    )
    if p.name == "full":
        note = f"*Computed with the full profile: {sizes}.*"
    else:
        note = (
            f"**Built with the `{p.name}` profile ({sizes}): these numbers check that the "
            f"pipeline runs; they are not the study's results. Run `make book` for those.**"
        )
    cost = "" if chapter is None else "\n\n" + chapter_cost(p, chapter)
    return Markdown(note + _vectors_note(p) + "\n\n" + datasets_note(p) + cost)


def datasets_note(p: Profile) -> str:
    """Which datasets the page ran on (:func:`w2vcnn.protocol.facts`): names, sizes, classes,
    balance and split; those given with ``make book DATASETS=`` are checked first
    (:func:`w2vcnn.protocol.check`)."""
    from .protocol import check, facts, ours
    from .tables import dataset_in_words

    if not ours(p):
        check(p)
    described = "; ".join(dataset_in_words(name, row) for name, row in facts(p).iterrows())
    given = "" if ours(p) else ", given with `make book DATASETS=...`"
    return f"*Datasets{given}: {described}.*"


def chapter_cost(p: Profile, chapter: str) -> str:
    """What executing ``chapter`` asks for: its runs in the full and the quick profile, how many
    of ``p``'s are in this cache already, and the minutes of training those took where they were
    trained (one worker each; the rest train when the chapter runs). So a reader who opens the
    chapter's notebook knows before the first table what its first cells will cost."""
    from . import cache
    from .profile import named
    from .study import chapter_grids

    def runs(profile: Profile) -> set:
        return {c.validated() for c in chapter_grids(profile)[chapter]}

    mine = runs(p)
    cached = [c.key for c in mine if cache.has_run(c.key)]
    minutes = sum(cache.read_run(key).get("wall_seconds", 0.0) for key in cached) / 60
    sizes = {
        name: len(runs(dataclasses.replace(named(name), vectors=p.vectors, datasets=p.datasets)))
        for name in ("full", "quick")
    }
    text = (
        f"*This chapter asks for {sizes['full']:,} runs in the full profile and {sizes['quick']:,} "
        f"in the quick one. Of this profile's {len(mine):,}, {len(cached):,} are in this cache "
        f"(their training took {minutes:,.0f} minutes, one worker each, where they were trained); "
        f"the other {len(mine) - len(cached):,} train when the chapter runs."
    )
    if p.name != "quick":
        text += ' To try it small first, write `P = profile.current("quick")` in this cell.'
    text += (
        ' To run it on your own data, name it there: `P = profile.current(datasets=["my.csv"])` '
        "(a CSV with text and label columns, `label text` lines, or one of Kim's datasets)."
    )
    return text + "*"


def vectors_in_words(p: Profile, results) -> str:
    """How the prose names the pretrained vectors the ``results`` (fine-tuning runs) started
    from: ours, with the mean size of their corpus, or the reader's file (``VECTORS=``)."""
    if p.vectors is not None:
        return f"your vectors ({Path(p.vectors).name})"
    tokens = sum(r.vectors["corpus_tokens"] for r in results) / len(results)
    return f"word vectors trained on about {tokens / 1e6:.2f} million tokens of in-domain text"


def _vectors_note(p: Profile) -> str:
    if p.vectors is None:
        return ""
    from ._io import sha256_file
    from .study import pretrained

    dimension = pretrained(p)["vector_size"]
    return (
        f"\n\n**Pretrained vectors: `{Path(p.vectors).name}`** ({dimension}-d, sha256 "
        f"{sha256_file(p.vectors)[:12]}…), given with `make book VECTORS=...`, in place of our "
        "skip-gram vectors wherever a page uses pretrained vectors; question 3's comparisons of "
        "skip-gram, CBOW and corpora still use ours."
    )


def pretrained_size(p: Profile) -> int:
    """The dimension of the pretrained vectors the chapters start from: the reader's file's
    (``make book VECTORS=...``), else the profile's."""
    from .study import pretrained

    return pretrained(p).get("vector_size", p.vector_size)


def _epochs(n: int) -> str:
    return f"{n} epoch" if n == 1 else f"{n} epochs"


def _folds(p: Profile) -> str:
    if p.split != Split.KFOLD:
        return f"{len(p.seeds)} seed(s) of a {p.split} split"
    return (
        f"{len(p.folds)} of 10 stratified folds for the headline grids, "
        f"{len(p.secondary_folds)} for the others"
    )


_NAME_PART = re.compile(r"[A-Za-z0-9_-]+")


def glue_key(*parts) -> str:
    """A glue name joined from names that appear literally in the code -- a prefix, a dataset
    name, a contrast or field name -- with ``_``, a dataset's ``-`` made ``_`` as well:
    ``glue_key("q1", "rt-polarity", "non_static_vs_rand")`` ->
    ``"q1_rt_polarity_non_static_vs_rand"``.
    A part with other characters (a display label such as ``"general English"``) is refused, so
    every name a page uses can be found with grep."""
    for part in parts:
        if not _NAME_PART.fullmatch(str(part)):
            raise ValueError(
                f"glue name part {part!r} is not a name (letters, digits, '_' and '-' only): "
                "glue under the field or contrast name, not under a display label"
            )
    return "_".join(str(part) for part in parts).replace("-", "_")


def _glue(name: str, text: str) -> str:
    from myst_nb import glue

    glue(name, text, display=False)
    return name


def glue_md(name: str, text: str) -> str:
    """Glue Markdown (bold and all) under ``name``, for the prose's ``{glue:md}`` role."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(text), display=False)
    return name


def glue_across_datasets(prefix: str, table) -> list[str]:
    """For prose that names no dataset: each contrast of a table indexed by ``(dataset,
    contrast)`` (:func:`w2vcnn.stats.paired_table`, ...) as one Markdown phrase over the
    datasets the page ran on, under ``glue_key(prefix, contrast)``: "on rt-polarity **higher**
    (+2.2 ± 2.6 points, ...), on rt-subjectivity ..." (:func:`w2vcnn.tables.in_words`); and the
    verdicts alone under that name + ``_verdicts``. Use it with ``{glue:md}``."""
    names = []
    for contrast in dict.fromkeys(table.index.get_level_values(-1)):
        rows = table.xs(contrast, level=-1)
        full = ", ".join(f"on {d} **{row_verdict(r)}** ({in_words(r)})" for d, r in rows.iterrows())
        short = ", ".join(f"on {d} **{row_verdict(r)}**" for d, r in rows.iterrows())
        names.append(glue_md(glue_key(prefix, contrast), full))
        names.append(glue_md(glue_key(prefix, contrast, "verdicts"), short))
    return names


def glue_contrasts(prefix: str, table) -> list[str]:
    """Glue every row of a numeric table of paired differences
    (:func:`w2vcnn.stats.paired_table`, :func:`w2vcnn.analyses.unseen_differences`, ...) as prose
    (:func:`w2vcnn.tables.in_words`) under ``glue_key(prefix, *row index)``, and its
    ``verdict`` ("higher", "lower", "no clear difference", decided from the numbers by
    :func:`w2vcnn.stats.verdict`) under that name + ``_verdict``; returns the names, for a page to
    check."""
    return _glue_rows(prefix, table, in_words)


def glue_differences(prefix: str, table) -> list[str]:
    """Like :func:`glue_contrasts`, but each row as its difference alone, ``"+1.2 ± 0.9
    points"`` (:func:`w2vcnn.tables.points`), for prose that gives the verdict beside it."""
    return _glue_rows(prefix, table, lambda row: f"{points(row['difference'], row['ci95'])} points")


def _glue_rows(prefix: str, table, text) -> list[str]:
    """Each row's ``text(row)`` under ``glue_key(prefix, *row index)`` and its verdict under that
    name + ``_verdict``."""
    names = []
    for index, row in table.iterrows():
        name = glue_key(prefix, *(index if isinstance(index, tuple) else (index,)))
        names.append(_glue(name, text(row)))
        names.append(_glue(f"{name}_verdict", row_verdict(row)))
    return names


def glue_sweep(prefix: str, differences) -> list[str]:
    """Glue each row of :func:`w2vcnn.analyses.sweep_differences` as ``"+1.2 ± 0.9"`` under
    ``glue_key(prefix, dataset, percent, contrast)``, e.g. ``sweep_rt_polarity_5_static_vs_rand``
    for 5% of the training split; and, for prose that names no dataset, every dataset's at one
    share as Markdown, ``"+1.2 ± 0.9 points on rt-polarity and ..."``, under ``glue_key(prefix,
    percent, contrast)`` (``{glue:md}``)."""
    names = []
    for (dataset, fraction, contrast), row in differences.iterrows():
        name = glue_key(prefix, dataset, round(100 * fraction), contrast)
        names.append(_glue(name, points(row["difference"], row["ci95"])))
    across = differences.reorder_levels([1, 2, 0]).sort_index(level=[0, 1], sort_remaining=False)
    for (fraction, contrast), rows in across.groupby(level=[0, 1], sort=False):
        phrase = " and ".join(
            f"{points(row['difference'], row['ci95'])} points on {index[-1]}"
            for index, row in rows.iterrows()
        )
        names.append(glue_md(glue_key(prefix, round(100 * fraction), contrast), phrase))
    return names


def glue_curve(prefix: str, curve) -> list[str]:
    """Glue, per corpus of :func:`w2vcnn.analyses.corpus_curve` (its :data:`w2vcnn.study.CORPORA`
    name), under ``glue_key(prefix, corpus, ...)``: ``tokens`` (millions), ``types_covered`` (%),
    ``wordsim``, ``cos_good_bad``, and per mode of :data:`w2vcnn.study.CURVE_MODES`
    (``static``, ``non_static``) the difference from rand with its interval and, under
    ``..._verdict``, its verdict."""
    from .study import CURVE_MODES

    names = []
    for corpus, row in curve.iterrows():
        texts = {
            "tokens": f"{row['tokens'] / 1e6:.2g} M",
            "types_covered": f"{row['types_covered']:.0%}",
            # NaN: no WordSim353 pair, or no "good" or "bad", among the vectors' words
            "wordsim": MISSING if math.isnan(row["wordsim"]) else f"{row['wordsim']:.2f}",
            "cos_good_bad": (
                MISSING if math.isnan(row["cos_good_bad"]) else f"{row['cos_good_bad']:.2f}"
            ),
        }
        for field in CURVE_MODES:
            difference = points(row[f"{field}_difference"], row[f"{field}_ci95"])
            texts[field] = f"{difference} points"
            texts[f"{field}_verdict"] = verdict_in_words(row[f"{field}_verdict"], adjusted=False)
        names += [_glue(glue_key(prefix, corpus, what), text) for what, text in texts.items()]
    return names


def glue_drift(prefix: str, summary) -> list[str]:
    """Glue each fact of :func:`w2vcnn.analyses.drift_over_folds` (mean over the runs, accuracies in
    points: :func:`w2vcnn.tables.drift_fact`) under ``glue_key(prefix, fact, dataset,
    corpus)``, e.g. ``drift_lost_rt_polarity_in_domain``; and, for prose that names no dataset,
    every dataset's that can tell it as Markdown, ``"1.2 on rt-polarity and ..."``, under
    ``glue_key(prefix, fact, corpus)`` (``{glue:md}``)."""
    names = []
    for (dataset, corpus, fact), row in summary.iterrows():
        name = glue_key(prefix, fact, dataset, corpus)
        names.append(_glue(name, drift_fact(fact, row["mean"])))
    across = summary.reorder_levels([2, 1, 0])
    for (fact, corpus), rows in across.groupby(level=[0, 1], sort=False):
        phrase = " and ".join(
            f"{drift_fact(fact, row['mean'])} on {index[-1]}"
            for index, row in rows.iterrows()
            if not math.isnan(row["mean"])
        )
        names.append(glue_md(glue_key(prefix, fact, corpus), phrase or MISSING))
        if fact == "lost":  # the swap-back loss with its test, every dataset's
            phrase = " and ".join(
                _swap_back_tested(index[-1], row) for index, row in rows.iterrows()
            )
            names.append(glue_md(glue_key(prefix, fact, "tested", corpus), phrase or MISSING))
    return names


def _swap_back_tested(dataset: str, row) -> str:
    """``"+1.2 ± 0.5 points on rt-polarity (10 runs; **a loss**, p = 0.003, unadjusted)"``."""
    difference = f"{points(row['mean'], row.get('ci95', math.nan))} points on {dataset}"
    runs = int(row.get("runs", 1))
    if math.isnan(row.get("p", math.nan)):
        return f"{difference} ({runs} run{'s' if runs > 1 else ''}; no test)"
    said = {"higher": "a loss", "lower": "a gain", "no clear difference": "no clear loss"}
    found = said[verdict(row["mean"], row["p"])]
    return f"{difference} ({runs} runs; **{found}**, p {p_equals(row['p'])}, unadjusted)"


def glue_backends(prefix: str, agreement) -> list[str]:
    """Glue what question 1 says of :func:`w2vcnn.analyses.backend_agreement` under
    ``glue_key(prefix, ...)``: over all modes ``equivalent`` ("yes" / "not shown"), ``tost_p``,
    ``power``, ``runs_ci`` (the 90% interval) and ``same`` (% predicted alike); per mode, joined,
    ``mcnemar`` (the p-values) and ``difference`` (per-sentence differences)."""
    pooled = agreement.loc["all modes"]
    per_mode = agreement.drop(index="all modes")
    texts = {
        "equivalent": "yes" if pooled["equivalent"] else "not shown",
        "tost_p": f"{pooled['tost_p']:.2f}",
        "power": f"{pooled['power']:.2f}",
        "runs_ci": interval90(pooled),
        "same": f"{100 * pooled['same_prediction']:.1f}",
        "mcnemar": ", ".join(f"{p:.2f}" for p in per_mode["mcnemar_p"]),
        "difference": "; ".join(sentence_difference(row) for _, row in per_mode.iterrows()),
    }
    return [_glue(glue_key(prefix, what), text) for what, text in texts.items()]
