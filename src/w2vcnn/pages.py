"""Helpers for the book's pages only: the profile note and glued numbers for the prose.

Every chapter's first cell reads the profile (:func:`w2vcnn.profile.current`) and shows
:func:`profile_note`; prose numbers come from :func:`glue_contrasts` rows, glued under the names
the contrasts were given in :mod:`w2vcnn.study`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from .profile import Profile
from .stats import in_words

_WORDS = "zero one two three four five six seven eight nine ten".split()


def profile_note(p: Profile):
    """A line saying which profile computed the page; a warning when it is the smoke-sized one.

    Also glues the profile's fold counts as words, ``folds`` (the headline grids') and
    ``secondary_folds``, for the prose ("on the {glue:text}`folds` folds").
    """
    from IPython.display import Markdown
    from myst_nb import glue

    for name, folds in (("folds", p.folds), ("secondary_folds", p.secondary_folds)):
        count = len(folds)
        glue(name, _WORDS[count] if count < len(_WORDS) else str(count), display=False)

    examples = (
        "all examples" if p.max_examples is None else f"{p.max_examples:,} examples per dataset"
    )
    sizes = (
        f"{_folds(p)}, up to {p.max_epochs} epochs, {p.vector_size}-d vectors, "
        f"{p.feature_maps} feature maps per window, {examples}"
    )
    if p.name == "full":
        note = f"*Computed with the full profile: {sizes}.*"
    else:
        note = (
            f"**Built with the `{p.name}` profile ({sizes}): these numbers check that the "
            f"pipeline runs; they are not the study's results. Run `make book` for those.**"
        )
    return Markdown(note + _vectors_note(p))


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


def _folds(p: Profile) -> str:
    if p.split != "kfold":
        return f"{len(p.seeds)} seed(s) of a {p.split} split"
    return (
        f"{len(p.folds)} of 10 stratified folds for the headline grids, "
        f"{len(p.secondary_folds)} for the others"
    )


def glue_key(*parts) -> str:
    """A glue name from its parts, every run of other characters than ASCII letters and digits
    made one ``_``: ``glue_key("q1", "rt-polarity", "x")`` -> ``"q1_rt_polarity_x"``,
    ``glue_key("sweep", "5%", "static − rand")`` -> ``"sweep_5_static_rand"``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", "_".join(str(part) for part in parts)).strip("_")


def glue_contrasts(prefix: str, table) -> list[str]:
    """Glue every row of a :func:`w2vcnn.stats.paired_table` as prose
    (:func:`w2vcnn.stats.in_words`) under ``glue_key(prefix, dataset, contrast)``, and its
    ``verdict`` ("higher", "lower", "no clear difference", decided from the numbers by
    :func:`w2vcnn.stats.verdict`) under that name + ``_verdict``; returns the names, for a page to
    check."""
    from myst_nb import glue

    names = []
    for (dataset, contrast), row in table.iterrows():
        name = glue_key(prefix, dataset, contrast)
        glue(name, in_words(row), display=False)
        glue(f"{name}_verdict", row["verdict"], display=False)
        names += [name, f"{name}_verdict"]
    return names


def interval_verdict(mean: float, half_width: float) -> str:
    """ "higher", "lower" or "no clear difference": whether a difference's 95% interval lies above
    zero, below it, or spans it (no interval: no clear difference)."""
    if math.isnan(half_width) or mean - half_width <= 0 <= mean + half_width:
        return "no clear difference"
    return "higher" if mean > 0 else "lower"


def glue_cells(prefix: str, table) -> list[str]:
    """Glue every cell of ``table`` as text under ``glue_key(prefix, *row index, column)``;
    returns the names."""
    from myst_nb import glue

    names = []
    for index, row in table.iterrows():
        parts = index if isinstance(index, tuple) else (index,)
        for column, value in row.items():
            name = glue_key(prefix, *parts, column)
            glue(name, str(value), display=False)
            names.append(name)
    return names


def glue_curve(prefix: str, curve) -> list[str]:
    """Glue, per corpus of :func:`w2vcnn.study.corpus_curve`'s table, under
    ``glue_key(prefix, corpus, ...)``: ``tokens`` (millions), ``types`` (% covered),
    ``wordsim``, ``good_bad`` (their cosine), and per mode (``static``, ``non_static``) the
    difference from rand with its interval and, under ``..._verdict``, :func:`interval_verdict`."""
    from myst_nb import glue

    names = []
    for corpus, row in curve.iterrows():
        texts = {
            "tokens": f"{row['tokens'] / 1e6:.2g} M",
            "types": f"{row['types covered (%)']:.0f}%",
            "wordsim": f"{row['WordSim353 ρ']:.2f}",
            "good_bad": f"{row['cos(good, bad)']:.2f}",
        }
        for mode in ("static", "non-static"):
            mean, half = row[f"{mode} − rand (points)"], row[f"{mode} − rand, 95% CI ±"]
            texts[mode] = f"{mean:+.1f} ± {half:.1f} points"
            texts[f"{mode} verdict"] = interval_verdict(mean, half)
        for what, text in texts.items():
            name = glue_key(prefix, corpus, what)
            glue(name, text, display=False)
            names.append(name)
    return names
