"""A labelled dataset in memory and its train/dev/test split: stratified holdout, Kim's k folds,
or the split its files give (:func:`w2vcnn.data.load_dataset` builds them); nested training
subsets for the labelled-size sweep."""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field

import numpy as np

from ._io import DataError


class Split(str, enum.Enum):
    """How a dataset is cut into train, dev and test: Kim's stratified ``k`` folds, a stratified
    holdout (80/10/10), the split its files give (dev carved out of train where they give none),
    or ``auto``: the given split where there is one, else holdout. A ``str``: ``Split.KFOLD ==
    "kfold"``, and configs and records keep the plain name."""

    AUTO = "auto"
    HOLDOUT = "holdout"
    GIVEN = "given"
    KFOLD = "kfold"

    def __str__(self) -> str:
        return self.value


SPLITS = tuple(s.value for s in Split)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Sentences, integer labels and index arrays of one split of them.

    ``unlabeled`` is in-domain text that carries no label for this task (the IMDb plot sentences for
    the rt datasets); it may feed word2vec pretraining, after :mod:`w2vcnn.corpus` has removed any
    sentence that is also a dev or test example.
    """

    name: str
    texts: list[str]
    labels: np.ndarray
    label_names: list[str]
    train: np.ndarray
    dev: np.ndarray
    test: np.ndarray
    split: Split  # never AUTO: the split that was made
    seed: int  # of the shuffle (and, on a given split, of the dev part carved out of train)
    fold: int | None  # k-fold only: the test fold, of ``k``
    k: int | None
    source: str
    unlabeled: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def n_classes(self) -> int:
        return len(self.label_names)

    def part(self, name: str) -> tuple[list[str], np.ndarray]:
        """Texts and labels of ``train``, ``dev`` or ``test``."""
        if name not in ("train", "dev", "test"):
            raise ValueError(f"unknown part {name!r}; known: 'train', 'dev', 'test'")
        index = getattr(self, name)
        return [self.texts[i] for i in index], self.labels[index]

    @property
    def split_description(self) -> str:
        """The split in words for a reader: ``kfold(3/10, seed=0)``, ``given(seed=0)``."""
        if self.split is Split.KFOLD:
            return f"kfold({self.fold}/{self.k}, seed={self.seed})"
        return f"{self.split}(seed={self.seed})"

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, {len(self)} examples, classes={self.label_names}, "
            f"split={self.split_description}: "
            f"{len(self.train)}/{len(self.dev)}/{len(self.test)})"
        )


@dataclass(frozen=True)
class Raw:
    """What a reader returns before splitting: ``given`` holds part names if the files come
    split."""

    texts: list[str]
    labels: list[str]
    given: list[str] | None = None
    label_names: list[str] | None = None
    unlabeled: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- splits


def _stratified_parts(labels: np.ndarray, fractions: tuple[float, ...], rng) -> list[np.ndarray]:
    """Cut each class, shuffled, into parts of the given fractions (the remainder goes last)."""
    parts: list[list[int]] = [[] for _ in range(len(fractions) + 1)]
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        start = 0
        for p, fraction in enumerate(fractions):
            take = int(round(fraction * len(members)))
            parts[p].extend(members[start : start + take])
            start += take
        parts[-1].extend(members[start:])
    return [np.sort(np.asarray(p, dtype=np.int64)) for p in parts]


def train_subset(dataset: Dataset, fraction: float, seed: int = 0) -> Dataset:
    """``dataset`` with only ``fraction`` of its training examples, stratified by class; dev and
    test unchanged. With the same seed, a smaller fraction's examples are a subset of a larger
    one's (each class is shuffled once and cut at its first ``round(fraction * n)``, at least 1)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    if fraction == 1:
        return dataset
    rng = np.random.default_rng([seed, 7919])  # its own stream: the split's shuffle stays as is
    labels = dataset.labels[dataset.train]
    kept = []
    for cls in np.unique(labels):
        members = rng.permutation(dataset.train[labels == cls])
        kept.extend(members[: max(1, int(round(fraction * len(members))))])
    return dataclasses.replace(dataset, train=np.sort(np.asarray(kept, dtype=np.int64)))


def _split(raw_given, labels, split: Split, seed, fold, k, dev_fraction, test_fraction):
    rng = np.random.default_rng(seed)
    if split is Split.HOLDOUT:
        test, dev, train = _stratified_parts(labels, (test_fraction, dev_fraction), rng)
        return train, dev, test
    if split is Split.KFOLD:
        if not 0 <= fold < k:
            raise ValueError(f"fold must be in 0..{k - 1}, got {fold}")
        folds = np.empty(len(labels), dtype=np.int64)
        for cls in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == cls))
            folds[members] = np.arange(len(members)) % k
        test = np.flatnonzero(folds == fold)
        rest = np.flatnonzero(folds != fold)
        dev_local, train_local = _stratified_parts(labels[rest], (dev_fraction,), rng)
        return np.sort(rest[train_local]), np.sort(rest[dev_local]), test
    given = np.asarray(raw_given)
    test = np.flatnonzero(given == "test")
    train = np.flatnonzero(given == "train")
    dev = np.flatnonzero(given == "dev")
    if len(dev) == 0:  # the files give no dev split: carve one out of train, as Kim did
        dev_local, train_local = _stratified_parts(labels[train], (dev_fraction,), rng)
        train, dev = np.sort(train[train_local]), np.sort(train[dev_local])
    return train, dev, test


def make_dataset(
    name, raw: Raw, source, split, seed, fold, k, dev_fraction, test_fraction, max_examples
) -> Dataset:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    split = Split(split)
    if not raw.texts:
        raise DataError(f"{source}: no examples found (empty file?)")
    names = raw.label_names or _label_order(raw.labels)
    unknown = sorted(set(raw.labels) - set(names))
    if unknown:
        raise DataError(f"{source}: labels {unknown} are not among {names}")
    if len(set(raw.labels)) < 2:
        raise DataError(
            f"{source}: only one class ({raw.labels[0]!r}) — a classifier needs at least two"
        )
    texts, labels_str, given = list(raw.texts), list(raw.labels), raw.given
    if max_examples is not None and max_examples < len(texts):
        keep = np.sort(
            _stratified_parts(
                np.array(labels_str), (max_examples / len(texts),), np.random.default_rng(0)
            )[0]
        )
        texts = [texts[i] for i in keep]
        labels_str = [labels_str[i] for i in keep]
        given = [given[i] for i in keep] if given is not None else None
    index = {n: i for i, n in enumerate(names)}
    labels = np.array([index[lab] for lab in labels_str], dtype=np.int64)
    if split is Split.AUTO:
        split = Split.GIVEN if given is not None else Split.HOLDOUT
    if split is Split.GIVEN and given is None:
        raise ValueError(f"{name} comes without a given split; use split='holdout' or 'kfold'")
    train, dev, test = _split(given, labels, split, seed, fold, k, dev_fraction, test_fraction)
    kfold = split is Split.KFOLD
    return Dataset(
        name,
        texts,
        labels,
        names,
        train,
        dev,
        test,
        split,
        seed,
        fold if kfold else None,
        k if kfold else None,
        str(source),
        list(raw.unlabeled),
    )


def _label_order(labels: list[str]) -> list[str]:
    unique = set(labels)
    if all(re.fullmatch(r"-?\d+", lab) for lab in unique):
        return sorted(unique, key=int)
    return sorted(unique)
