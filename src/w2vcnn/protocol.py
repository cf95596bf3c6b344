"""Which datasets the book runs on, and the protocol each gets: Kim's, per dataset.

A dataset whose files come split (TREC, SST-2, a folder laid out like them, or a CSV with a
``split`` column) keeps its given split, and its runs differ by seed where the others differ by
test fold: seed *s* stands where fold *s* would, so every comparison stays paired (by seed) and a
grid asks for as many of either. Every other dataset gets Kim's stratified 10-fold
cross-validation. :func:`check` is what an entry point calls before anything trains: one
:class:`~w2vcnn._io.DataError` naming the entry and the problem.

Not part of any run's cache key: the split it chooses is a field of the run's config.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import DataError
from .data import CANONICAL, OFFLINE, dataset_identity, load_dataset
from .profile import DATASETS, DATASETS_ENV, Profile
from .readers import is_layout
from .splits import Dataset, Split
from .text import tokenize

K = 10  # Kim's folds, where a dataset gives no split
GIVEN = Split.GIVEN
# Kim (2014)'s names of the datasets the package reads (ours rebuild MR and Subj)
KIM_NAMES = {
    "rt-polarity": "MR",
    "rt-subjectivity": "Subj",
    "mr": "MR",
    "subj": "Subj",
    "trec": "TREC",
    "sst2": "SST-2",
    "cr": "CR",
    "mpqa": "MPQA",
}
_GIVEN_SPLIT = {"trec", "sst2"}  # the canonical datasets whose files come split


def _inspect(entry: str, max_examples: int | None) -> Dataset:
    """The dataset as its files give it (their own split where they have one): read once per
    content, so a file edited while a notebook runs is read again (:func:`dataset_identity`
    remembers a file's digest while its size and times stay the same)."""
    return _inspect_content(entry, max_examples, repr(dataset_identity(entry)))


@functools.lru_cache(maxsize=32)
def _inspect_content(entry: str, max_examples: int | None, identity: str) -> Dataset:
    return load_dataset(entry, split="auto", max_examples=max_examples)


def _is_path(entry: str) -> bool:
    return entry not in OFFLINE and entry not in CANONICAL


def name_of(entry: str, max_examples: int | None = None) -> str:
    """What tables, glue names and prose call a dataset: a known name as it is, a file by its
    stem, a folder or archive by the layout found in it (``mr`` for one with
    ``rt-polarity.pos``)."""
    if not _is_path(entry):
        return entry
    path = Path(entry)
    stem = _inspect(entry, max_examples).name if is_layout(path) else path.stem
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem)


def kim_name(entry: str) -> str | None:
    """Kim's name of the dataset (``MR``, ``TREC``, ...), where it is one of his: a known name,
    or a folder or archive in a canonical layout; None for anything else."""
    if not _is_path(entry):
        return KIM_NAMES.get(entry)
    return KIM_NAMES.get(name_of(entry)) if is_layout(Path(entry)) else None


def comes_split(entry: str, max_examples: int | None = None) -> bool:
    """Whether the dataset's files give its train/test split."""
    if entry in OFFLINE:
        return False
    if entry in CANONICAL:
        return entry in _GIVEN_SPLIT
    return _inspect(entry, max_examples).split is Split.GIVEN


def split_of(p: Profile, entry: str) -> str:
    """The split a run on ``entry`` uses: the files' own where they give one, else the
    profile's (Kim's 10 folds)."""
    return GIVEN if comes_split(entry, p.max_examples) else p.split


def first(p: Profile) -> str:
    """Where the single-dataset experiments run: the profile's first dataset."""
    return p.datasets[0]


def first_name(p: Profile) -> str:
    """What the pages call the profile's first dataset (:func:`name_of`): a run table's
    ``dataset`` column holds names, so a chapter selects that dataset's runs by it."""
    return name_of(first(p), p.max_examples)


def ours(p: Profile) -> bool:
    """Whether the profile runs on our datasets, for prose true only of them."""
    return p.datasets == DATASETS


def check(p: Profile) -> Profile:
    """``p`` if every dataset it names can carry its protocol; else one :class:`DataError` naming
    the entry (from ``$W2VCNN_DATASETS`` or ``make book DATASETS=``) and the problem: a name that
    is neither known nor a file, a file the readers refuse, one class only, too few examples of a
    class for 10-fold cross-validation, a given split without training or test examples, or two
    entries the pages would call alike."""
    if not p.datasets:
        raise DataError(f"no dataset given ({DATASETS_ENV} or make book DATASETS=... is empty)")
    names: dict[str, str] = {}
    for entry in p.datasets:
        try:
            dataset = _inspect(entry, p.max_examples)
        except DataError as err:
            raise DataError(f"dataset {entry!r} ({DATASETS_ENV}): {err}") from err
        if comes_split(entry, p.max_examples):
            for part in ("train", "test"):
                if len(getattr(dataset, part)) == 0:
                    raise DataError(
                        f"dataset {entry!r} ({DATASETS_ENV}): its given split has no {part} "
                        "examples"
                    )
        else:
            counts = np.bincount(dataset.labels, minlength=dataset.n_classes)
            by_class = dict(zip(dataset.label_names, counts.tolist()))
            scarce = [n for n, c in by_class.items() if c < K]
            if scarce:
                sizes = ", ".join(f"{n}: {c}" for n, c in by_class.items())
                raise DataError(
                    f"dataset {entry!r} ({DATASETS_ENV}): class(es) {scarce} have fewer than "
                    f"{K} examples ({sizes}); {K}-fold "
                    "cross-validation needs one of each class in every test fold"
                )
        name = name_of(entry, p.max_examples)
        if name in names:
            raise DataError(
                f"datasets {names[name]!r} and {entry!r} ({DATASETS_ENV}) would both be called "
                f"{name!r} on the pages: rename one"
            )
        names[name] = entry
    return p


def facts(p: Profile):
    """One row per dataset of ``p``, by name: where it comes from, its size, classes and
    balance, and its protocol, for each page to say what it ran on."""
    import pandas as pd

    rows = []
    for entry in p.datasets:
        dataset = _inspect(entry, p.max_examples)
        counts = np.bincount(dataset.labels, minlength=dataset.n_classes)
        given = comes_split(entry, p.max_examples)
        rows.append(
            {
                "dataset": name_of(entry, p.max_examples),
                "source": dataset.source if _is_path(entry) else entry,
                "examples": len(dataset),
                "classes": dataset.n_classes,
                "class_names": list(dataset.label_names),
                "majority_share": counts.max() / counts.sum(),
                "split": GIVEN if given else p.split,
                "train": len(dataset.train) if given else None,
                "dev": len(dataset.dev) if given else None,
                "test": len(dataset.test) if given else None,
                "kim": kim_name(entry),
            }
        )
    return pd.DataFrame(rows).set_index("dataset")


def describe(dataset: Dataset):
    """A table per split: examples, examples per class, sentence length (tokens), vocabulary
    size."""
    tokens = [tokenize(t) for t in dataset.texts]
    rows = {}
    for part in ("train", "dev", "test", "all"):
        index = np.arange(len(dataset)) if part == "all" else getattr(dataset, part)
        lengths = np.array([len(tokens[i]) for i in index] or [0])
        counts = Counter(dataset.labels[index].tolist())
        row = {"examples": len(index)}
        row.update({name: counts.get(i, 0) for i, name in enumerate(dataset.label_names)})
        row.update(
            {
                "mean len": round(float(lengths.mean()), 1),
                "max len": int(lengths.max()),
                "vocab": len({t for i in index for t in tokens[i]}),
            }
        )
        rows[part] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = dataset.name
    return table
