"""General-English pretraining text from Debian packages, independent of every dataset.

A downloaded ``vec.bin`` was trained on text that has nothing to do with the reader's labelled
sentences; these sources play that part here (question 3's corpus-size curve, issue #10). Each is a
Debian package fetched with ``apt-get download`` (no root needed), pinned by version and sha256,
cached in ``data/downloads/``, and read with ``dpkg-deb``; the text is never committed.

* ``gcide``: the GNU Collaborative International Dictionary of English (Webster's 1913 with
  additions), definitions only: headwords, pronunciations, etymologies, "[1913 Webster]" tags and
  quotation credits are stripped. About 5 M words.
* ``wordnet``: WordNet 3.0's glosses and usage examples. About 1.5 M words.

Sentences are tokenised with the classifier's own tokenizer (:func:`w2vcnn.text.tokenize`) and
cached as one line of tokens per sentence under ``data/general/``.
:func:`w2vcnn.corpus.pretraining_corpus` takes them as the sources ``gcide`` and ``wordnet``.
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ._io import DataError, atomic_write, data_dir, fetch_registry_file
from .text import tokenize


@dataclass(frozen=True)
class DebianText:
    package: str
    version: str
    sha256: str  # of the .deb (../shared/REFERENCES.md)
    members: tuple[str, ...]  # the files of the package that hold the text

    @property
    def filename(self) -> str:
        return f"{self.package}_{self.version.split(':')[-1]}_all.deb"


SOURCES = {
    "gcide": DebianText(
        "dict-gcide",
        "0.48.5+nmu2",
        "7b0af5cfde3cbdef5e9d6e78f92ec335ced7c2790f37a40f49bebc6f7347ac0f",
        ("usr/share/dictd/gcide.dict.dz",),
    ),
    "wordnet": DebianText(
        "wordnet-base",
        "1:3.0-37",
        "61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752",
        tuple(f"usr/share/wordnet/data.{pos}" for pos in ("noun", "verb", "adj", "adv")),
    ),
}


def fetch_deb(source: DebianText) -> Path:
    """The package's ``.deb`` in ``data/downloads/``, fetched with ``apt-get download`` if missing
    and checked against its pinned sha256 (a mismatch is discarded; nothing is cached)."""
    return fetch_registry_file(
        "apt", f"{source.package}={source.version}", source.filename, source.sha256
    )


def read_members(deb: Path, members: Iterable[str]) -> dict[str, bytes]:
    """The bytes of ``members`` (paths inside the package, without ``./``) of a ``.deb``."""
    if shutil.which("dpkg-deb") is None:
        raise DataError(f"cannot read {deb}: dpkg-deb is not installed")
    result = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True)
    if result.returncode != 0:
        raise DataError(f"{deb} is not a readable .deb: {result.stderr.decode()[-300:].strip()}")
    wanted = {m.removeprefix("./"): m for m in members}
    found = {}
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar:
        for member in tar:
            name = member.name.removeprefix("./")
            if name in wanted and member.isfile():
                found[wanted[name]] = tar.extractfile(member).read()
    missing = sorted(set(wanted.values()) - set(found))
    if missing:
        raise DataError(f"{deb} lacks {', '.join(missing)}")
    return found


# ---------------------------------------------------------------- the texts

_BRACKETED = re.compile(r"\[[^\]]*\]")  # [1913 Webster], [L. abdicatio: ...], [R.]
_CREDIT = re.compile(r"--\s*[A-Z][\w.,'& ]*")  # --Bailey.  --Shak.
_SENSE = re.compile(r"(^|\s)\d+\.(?=\s)|\([a-z]\)|\([A-Z][\w.]*\.\)")  # 1.  (a)  (Anat.)
_MARKUP = re.compile(r"[\\`\"*]")  # pronunciation marks left in the text
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")


def gcide_sentences(dictionary: bytes) -> Iterator[str]:
    """The definitions of a dictd ``gcide.dict.dz`` (gzip) as sentences, markup stripped.

    An entry is a headword line at the left margin followed by indented definition lines; only
    the indented lines are kept, and the ``00-database-*`` entries describing the file are
    skipped.
    """
    text = gzip.decompress(dictionary).decode("utf-8", errors="replace")
    for paragraph in re.split(r"\n\s*\n", text):
        if paragraph.lstrip().startswith("00-database"):
            continue  # the dictionary's own description, not English text
        # brackets first: an etymology may run from the headword line into the next one
        paragraph = _BRACKETED.sub(" ", paragraph)
        body = " ".join(line.strip() for line in paragraph.splitlines() if line[:1].isspace())
        body = _SENSE.sub(" ", _CREDIT.sub(" ", body))
        body = _MARKUP.sub("", body)
        for sentence in _SENTENCE_END.split(body):
            if sentence.strip():
                yield sentence.strip()


def wordnet_sentences(data_file: bytes) -> Iterator[str]:
    """The glosses and quoted examples of a WordNet ``data.*`` file, one sentence each."""
    for line in data_file.decode("latin-1").splitlines():
        if line.startswith("  ") or " | " not in line:
            continue  # the licence header, or a line without a gloss
        for part in line.split(" | ", 1)[1].split(";"):
            part = part.strip().strip('"').strip()
            if part:
                yield part


_READERS = {"gcide": gcide_sentences, "wordnet": wordnet_sentences}


def general_sentences(name: str) -> list[list[str]]:
    """Tokenised sentences of source ``name`` (see :data:`SOURCES`), fetched and cached once."""
    if name not in SOURCES:
        raise ValueError(f"unknown general-English source {name!r}; known: {', '.join(SOURCES)}")
    cached = data_dir() / "general" / f"{name}.tokens.txt"
    if not cached.is_file():
        source = SOURCES[name]
        members = read_members(fetch_deb(source), source.members)
        with atomic_write(cached, "w", encoding="utf-8") as out:
            for member in source.members:
                for sentence in _READERS[name](members[member]):
                    tokens = tokenize(sentence)
                    if len(tokens) >= 3:
                        out.write(" ".join(tokens) + "\n")
    with open(cached, encoding="utf-8") as handle:
        return [line.split() for line in handle if line.strip()]
