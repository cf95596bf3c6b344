"""Readers of dataset files, each returning sentences and labels before any split: a CSV (with its
own split where it has a ``split`` column), ``label text`` lines, and the layouts of Kim (2014)'s
benchmarks in a folder or archive (:data:`LAYOUTS`, recognised by their file names)."""

from __future__ import annotations

import csv
import re
import tarfile
import zipfile
from pathlib import Path

from ._io import DataError
from .splits import Raw

# ---------------------------------------------------------------- canonical formats (local copies)


class Files:
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


def _read_mr(files: Files) -> Raw:
    neg = _lines(files.read("rt-polarity.neg"), "cp1252")
    pos = _lines(files.read("rt-polarity.pos"), "cp1252")
    return Raw(
        neg + pos,
        ["negative"] * len(neg) + ["positive"] * len(pos),
        label_names=["negative", "positive"],
    )


def _read_subj(files: Files) -> Raw:
    obj = _lines(files.read("plot.tok.gt9.5000"), "cp1252")
    subj = _lines(files.read("quote.tok.gt9.5000"), "cp1252")
    return Raw(
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


def _read_trec(files: Files) -> Raw:
    train_t, train_l = _parse_trec(
        _lines(files.read("train_5500.label"), "latin-1"), "train_5500.label"
    )
    test_t, test_l = _parse_trec(_lines(files.read("TREC_10.label"), "latin-1"), "TREC_10.label")
    return Raw(
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


def _read_label_lines_file(files: Files, name: str, encoding: str = "latin-1") -> Raw:
    texts, labels = _parse_label_lines(_lines(files.read(name), encoding))
    return Raw(texts, labels)


def _read_sst2(files: Files) -> Raw:
    texts, labels, given = [], [], []
    for part in ("train", "dev", "test"):
        name = f"stsa.binary.{part}"
        t, lab = _parse_label_lines(_lines(files.read(name), "latin-1"))
        texts += t
        labels += lab
        given += [part] * len(t)
    return Raw(texts, labels, given=given, label_names=["0", "1"])


# ---------------------------------------------------------------- user files


SPLIT_COLUMN = "split"  # a CSV's own split, where it has one: train, dev or test per row
PARTS = ("train", "dev", "test")


def read_csv(
    path, text_column: str = "text", label_column: str = "label", encoding: str = "utf-8"
) -> Raw:
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
    return Raw(
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


def read_label_lines(path, encoding: str = "utf-8") -> Raw:
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
    return Raw(texts, labels)


def is_layout(path: Path) -> bool:
    """Whether ``path`` is a folder or an archive, or the one file of a layout (Kim's
    ``custrev.all``, ``mpqa.all``), read by the file names of :data:`LAYOUTS` rather than as a
    file of sentences named by its stem."""
    if path.is_dir():
        return True
    if not path.is_file():
        return False
    whole = {reader["needs"][0] for _, reader in LAYOUTS if len(reader["needs"]) == 1}
    return path.name in whole or tarfile.is_tarfile(path) or zipfile.is_zipfile(path)


def read_path(path: Path, text_column, label_column, encoding) -> tuple[str, Raw]:
    if path.is_file() and path.suffix.lower() in (".csv", ".tsv"):
        return path.stem, read_csv(path, text_column, label_column, encoding or "utf-8")
    if is_layout(path):
        files = Files(path)
        for name, reader in LAYOUTS:
            if reader["needs"] and files.has(*reader["needs"]):
                return name, reader["read"](files)
        raise DataError(
            f"{path}: no known dataset layout inside (looked for "
            f"{'; '.join(' + '.join(r['needs']) for _, r in LAYOUTS)})"
        )
    if path.is_file():
        return path.stem, read_label_lines(path, encoding or "utf-8")
    raise DataError(f"{path}: no such file or directory")


LAYOUTS = [
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
READERS = dict(LAYOUTS)
