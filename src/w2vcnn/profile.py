"""Profiles: how big the study is. ``full`` is the published study, ``quick`` a smoke-sized copy.

The profile is read once, at an entry point (the command line, ``make book``, a chapter's first
cell: :func:`current`), and passed down as a :class:`Profile`; nothing below reads the environment.
Chapters never branch on the profile themselves: they pass it to the helpers that size the runs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .splits import Split

PROFILE_ENV = "W2VCNN_PROFILE"
# a reader's own word2vec file (binary or text), in place of our skip-gram vectors
# wherever a chapter uses pretrained vectors: `make book VECTORS=path/to/vec.bin`
VECTORS_ENV = "W2VCNN_VECTORS"
# the datasets every chapter runs on, by name or path, separated by spaces: in place of ours,
# `make book DATASETS="mr path/to/my.csv"` (w2vcnn.protocol reads and checks them)
DATASETS_ENV = "W2VCNN_DATASETS"
DATASETS = ("rt-polarity", "rt-subjectivity")  # ours, built offline (w2vcnn.data)


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int | None  # per dataset, a stratified fixed subset; None = all
    split: Split  # KFOLD: Kim's stratified 10-fold cross-validation; HOLDOUT: 80/10/10
    # kfold: the test folds of the headline grids (every variant on the same folds) ...
    folds: tuple[int, ...]
    # ... and of the other grids: a subset of ``folds``, so their shared runs are trained once
    secondary_folds: tuple[int, ...]
    # the split's shuffle (one fixed seed for k-fold), the word2vec init, model init and batches
    seeds: tuple[int, ...]
    # question 1's seed control: each primary contrast's runs this many times on the secondary
    # folds (RunConfig.replicate 0, 1, ...), every random draw but the split's made anew
    replicates: int
    max_epochs: int
    patience: int  # epochs without a better dev accuracy before stopping
    # Kim's regime, for the headline grid (the one set beside his Table 2): this many epochs, no
    # early stopping, the best dev epoch kept
    kim_epochs: int
    vector_size: int
    word2vec_epochs: int
    feature_maps: int  # per window size of the CNN
    # at most this many sentences of each general-English source (None: all, 6.4 M tokens)
    general_max_sentences: int | None = None
    # absolute path of the reader's word2vec file (VECTORS_ENV); None: our skip-gram vectors
    vectors: str | None = None
    # what every chapter runs on (DATASETS_ENV): known names, or absolute paths of the reader's
    # files; the first is where the single-dataset experiments run
    datasets: tuple[str, ...] = DATASETS


PROFILES = {
    # 100-d vectors trained for 20 epochs: on our 0.3-1.5 M-token corpora, 5 epochs (gensim's
    # default) leave the vectors nearly parallel (mean cosine of random pairs 0.88) and 300-d only
    # triples the CNN's cost. The headline grid in Kim's regime (25 epochs, no early stopping,
    # the best dev epoch kept); the other grids stop after 3 epochs without a better dev accuracy,
    # at most 15 (question 1 compares the two rules on the same trainings). Kim's 10 folds for
    # the headline grids; 3 for the secondary ones, which the build budget cannot pay 10 for.
    "full": Profile(
        "full",
        max_examples=None,
        split=Split.KFOLD,
        folds=tuple(range(10)),
        secondary_folds=(0, 1, 2),
        seeds=(0,),
        # one fresh draw per secondary fold: every headline fold makes its own draws, so the
        # headline's intervals already hold the seed's noise and this control only sizes it
        replicates=2,
        max_epochs=15,
        patience=3,
        kim_epochs=25,
        vector_size=100,
        word2vec_epochs=20,
        feature_maps=100,
    ),
    "quick": Profile(
        "quick",
        max_examples=2000,
        split=Split.KFOLD,
        folds=(0,),
        secondary_folds=(0,),
        seeds=(0,),
        replicates=2,
        max_epochs=2,
        patience=1,
        kim_epochs=3,
        vector_size=50,
        word2vec_epochs=2,
        feature_maps=20,
        general_max_sentences=20_000,
    ),
}


def named(name: str) -> Profile:
    """The profile called ``name``; a ValueError naming the known ones otherwise."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}")
    return PROFILES[name]


def current(
    name: str | None = None,
    vectors: str | os.PathLike | None = None,
    datasets: Sequence[str | os.PathLike] | None = None,
) -> Profile:
    """For entry points only: the profile named, else ``$W2VCNN_PROFILE``, else ``full``; with the
    reader's word2vec file ``vectors``, else ``$W2VCNN_VECTORS``, if either is given (a
    ValueError naming the file when it does not exist); on ``datasets``, else the names and paths
    in ``$W2VCNN_DATASETS`` (separated by spaces), else ours. Entry points check the datasets
    before anything trains (:func:`w2vcnn.protocol.check`)."""
    p = named(name or os.environ.get(PROFILE_ENV) or "full")
    vectors = vectors or os.environ.get(VECTORS_ENV)
    if vectors:
        path = Path(vectors).expanduser().resolve()
        if not path.is_file():
            problem = "is not a file" if path.exists() else "does not exist"
            raise ValueError(
                f"the vectors file {vectors} ({VECTORS_ENV}, or make book VECTORS=...) {problem}; "
                "name a word2vec .bin, .txt or .vec file"
            )
        p = dataclasses.replace(p, vectors=str(path))
    if datasets is None:
        datasets = os.environ.get(DATASETS_ENV, "").split() or None
    if datasets is None:
        return p
    return dataclasses.replace(p, datasets=tuple(_entry(d) for d in datasets))


def _entry(dataset: str | os.PathLike) -> str:
    """A dataset entry as the profile keeps it: an existing path made absolute (runs are keyed
    by its content, wherever the book is built from), anything else as given (a name)."""
    path = Path(dataset).expanduser()
    return str(path.resolve()) if path.exists() else str(dataset)
