"""word2vec files on disk: read and write them strictly, never modify a source file.

Files are in the word2vec *binary* format of Mikolov's C tool (what
GoogleNews-vectors-negative300.bin uses and gensim's ``save_word2vec_format(binary=True)`` writes):
a header line ``"<count> <dim>\\n"``, then per word its UTF-8 bytes, a space and ``dim``
little-endian float32s; or the text format, one ``word x1 ... x_dim`` line per word. Every file is
written atomically with a ``.sha256`` sidecar, and :func:`load_vectors` checks the whole file's
structure before trusting it, so a truncated download or a text file with the wrong suffix fails
loudly, by name. Question 2 of the book uses :func:`export_vectors` to keep fine-tuned vectors in a
new file.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors

from ._io import DataError, atomic_write, sha256_file
from .text import N_SPECIAL_TOKENS, Vocab

_CHUNK = 1 << 20
_MAX_WORD_BYTES = (
    1000  # GoogleNews' longest key is ~300 bytes; a longer "word" means we lost the framing
)
_WHITESPACE = re.compile(r"\s")


# ---------------------------------------------------------------------------------------- writing


def _write_word2vec_binary(
    keys: Sequence[str], vectors: np.ndarray, path: str | os.PathLike
) -> str:
    """Write keys and vectors in word2vec binary format, atomically, plus ``path.sha256``.

    Byte for byte what gensim's ``save_word2vec_format(binary=True)`` writes, except that the keys
    keep their given order (gensim re-sorts by a ``count`` attribute when there is one). We write it
    ourselves because gensim only writes to a file *name*, and every write here goes through
    :func:`atomic_write`. Returns the sha256 of the file, computed while writing.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(keys):
        raise ValueError(f"{len(keys)} keys but a vectors array of shape {vectors.shape}")
    if not np.isfinite(vectors).all():
        bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
        raise ValueError(
            f"refusing to write {path}: the vectors of {len(bad)} words contain NaN "
            f"or inf (first: {keys[bad[0]]!r}); did training diverge?"
        )
    for key in keys:
        if not isinstance(key, str) or not key or _WHITESPACE.search(key):
            raise ValueError(
                f"cannot store key {key!r} in word2vec format: keys must be non-empty "
                f"strings without whitespace"
            )
    digest = hashlib.sha256()
    with atomic_write(path, "wb") as handle:

        def write(data: bytes) -> None:
            digest.update(data)
            handle.write(data)

        write(f"{vectors.shape[0]} {vectors.shape[1]}\n".encode())
        for key, row in zip(keys, vectors):
            write(key.encode("utf-8") + b" " + row.tobytes())
    hexdigest = digest.hexdigest()
    with atomic_write(f"{os.fspath(path)}.sha256", "w", encoding="ascii") as handle:
        handle.write(hexdigest + "\n")
    return hexdigest


def save_vectors(kv: KeyedVectors, path: str | os.PathLike) -> str:
    """Save ``kv`` as a word2vec binary file (readable by gensim and word2vec.c); return its sha256.

    The file appears atomically, with the digest in the sidecar ``path + ".sha256"``, which
    :func:`load_vectors` checks. Keys are written in ``kv``'s index order.
    """
    return _write_word2vec_binary(kv.index_to_key, kv.vectors, path)


def export_vectors(
    vocab: Vocab | Sequence[str],
    matrix,
    path: str | os.PathLike,
    source: str | os.PathLike | None = None,
) -> str:
    """Write an embedding matrix (e.g. fine-tuned by the CNN) as a new word2vec binary file.

    Row ``i`` is ``vocab.itos[i]`` (``vocab`` may also be that list of words itself); the ``<pad>``
    and ``<unk>`` rows are left out, since they are not words. ``source`` is the file the vectors
    started from: writing over it is refused, so the pretrained vectors survive every experiment.
    Returns the sha256 (also in ``path + ".sha256"``).
    """
    if hasattr(matrix, "detach"):  # a torch tensor or parameter
        matrix = matrix.detach().cpu().numpy()
    matrix = np.asarray(matrix)
    words = vocab.itos if isinstance(vocab, Vocab) else list(vocab)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise DataError(
            f"cannot export to {path}: the matrix has shape {matrix.shape} but the "
            f"vocabulary has {len(words)} entries; they must match row for row"
        )
    if source is not None and _same_file(path, source):
        raise DataError(
            f"refusing to write {path}: it is the source vectors file {source}; "
            f"export fine-tuned vectors to a new file"
        )
    return _write_word2vec_binary(words[N_SPECIAL_TOKENS:], matrix[N_SPECIAL_TOKENS:], path)


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)  # also catches hard links and symlinks
    except OSError:  # one of them does not exist yet
        return Path(a).resolve() == Path(b).resolve()


# ---------------------------------------------------------------------------------------- loading


def load_vectors(
    path: str | os.PathLike,
    binary: bool | None = None,
    expected_dim: int | None = None,
    vocabulary: Iterable[str] | None = None,
    limit: int | None = None,
) -> KeyedVectors:
    """Load word2vec vectors, checking the file's structure from header to last byte.

    The format comes from ``binary``, else the suffix (``.bin`` binary, ``.txt``/``.vec`` text;
    a ``.gz``/``.bz2`` suffix is decompressed first, e.g. GoogleNews-vectors-negative300.bin.gz),
    else a look at the first record. Raises :class:`DataError`, naming the file, when it is missing
    or empty, its sha256 disagrees with a ``.sha256`` sidecar, it is in the other format than the
    one asked for, it is truncated or corrupt, its header disagrees with its content, or its
    dimension is not ``expected_dim``. The file is only ever opened for reading.

    ``vocabulary`` keeps only the vectors of those words, streaming the file, so memory grows
    with the words kept, not with the file (GoogleNews: 3 M words, 3.6 GB as float32). A word
    missing from the file is looked up in title case, then in upper case (GoogleNews is
    case-sensitive; our tokens are lower case), and kept under the vocabulary's spelling.
    ``kv.match_counts`` says how many matched each way. The file is still read to its end and
    checked; duplicates are detected among the kept words only. ``kv.source_variance`` is the
    variance of *every* vector in the file, which :func:`w2vcnn.embeddings.embedding_matrix`
    uses for the random rows. ``limit`` reads only the first ``limit`` vectors (as gensim's
    ``limit``), without checking the rest of the file.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"vectors file {path} does not exist")
    if not path.is_file():
        raise DataError(f"vectors file {path} is not a regular file")
    if path.stat().st_size == 0:
        raise DataError(
            f"vectors file {path} is empty (0 bytes); was a download or a save interrupted?"
        )
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    _check_sidecar(path)
    try:
        return _load(path, binary, expected_dim, vocabulary, limit)
    except (EOFError, OSError, zlib.error) as err:  # unreadable, or a damaged .gz/.bz2 stream
        raise DataError(f"cannot read {path}: {err}") from err


def _load(
    path: Path,
    binary: bool | None,
    expected_dim: int | None,
    vocabulary: Iterable[str] | None,
    limit: int | None,
) -> KeyedVectors:
    with _open(path) as handle:
        header = handle.readline(200)
        count, dim = _parse_header(header, path)
        sample = handle.read(64 * 1024)
    if expected_dim is not None and dim != expected_dim:
        raise DataError(f"{path}: vectors have dimension {dim}, the config asks for {expected_dim}")

    sniffed = _sniff(sample, dim)
    suffix = _format_suffix(path)
    if binary is None:
        wanted, why = {
            ".bin": (True, "its .bin suffix"),
            ".txt": (False, "its .txt suffix"),
            ".vec": (False, "its .vec suffix"),
        }.get(suffix, (None, ""))
    else:
        wanted, why = bool(binary), f"binary={bool(binary)}"
    if wanted is True and sniffed == "text":
        raise DataError(
            f"{path} looks like a word2vec text file, not binary (expected binary from "
            f"{why}); load it with binary=False"
        )
    if wanted is False and sniffed == "binary":
        raise DataError(
            f"{path} looks like a word2vec binary file, not text (expected text from "
            f"{why}); load it with binary=True"
        )
    is_binary = wanted if wanted is not None else sniffed != "text"

    stop = count if limit is None else min(limit, count)
    with _open(path) as handle:
        handle.readline(200)
        reader = _binary_records if is_binary else _text_records
        records = reader(handle, count, dim, path, stop)
        if vocabulary is None:
            words, vectors = _all_records(records, stop, dim, path)
            variance, matches = None, None
        else:
            words, vectors, variance, matches = _selected_records(records, vocabulary, dim, path)

    kv = KeyedVectors(dim, dtype=np.float32)
    kv.index_to_key, kv.vectors = words, vectors  # assigned, not add_vectors(): no second copy
    kv.key_to_index = {word: i for i, word in enumerate(words)}
    kv.source_variance = variance
    kv.match_counts = matches
    return kv


def _all_records(records, stop: int, dim: int, path: Path) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    vectors = np.empty((stop, dim), dtype=np.float32)
    for i, (word, vector) in enumerate(records):
        words.append(word)
        vectors[i] = vector
    if not np.isfinite(vectors).all():
        row = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise DataError(
            f"{path} is corrupt: the vector of {words[row]!r} (number {row + 1}) holds NaN or inf"
        )
    if len(set(words)) != len(words):
        seen: set[str] = set()
        duplicate = next(w for w in words if w in seen or seen.add(w))
        raise DataError(f"{path}: the word {duplicate!r} appears more than once")
    return words, vectors


_CASES = ("exact", "title case", "upper case")


def _selected_records(records, vocabulary: Iterable[str], dim: int, path: Path):
    """Keep the vectors of ``vocabulary``'s words (exact, else title case, else upper case)."""
    wanted = list(dict.fromkeys(vocabulary))
    forms: dict[str, tuple[str, int]] = {w: (w, 0) for w in wanted}  # exact spellings win
    for word in wanted:
        for rank, form in ((1, word.title()), (2, word.upper())):
            forms.setdefault(form, (word, rank))
    found: dict[str, tuple[int, np.ndarray]] = {}
    matched_forms: set[str] = set()
    total = squares = 0.0
    n = 0
    for number, (form, vector) in enumerate(records, 1):
        if not np.isfinite(vector).all():
            raise DataError(
                f"{path} is corrupt: the vector of {form!r} (number {number}) holds NaN or inf"
            )
        wide = vector.astype(np.float64)
        total += wide.sum()
        squares += wide @ wide
        n += 1
        if form not in forms:
            continue
        if form in matched_forms:
            raise DataError(f"{path}: the word {form!r} appears more than once")
        matched_forms.add(form)
        word, rank = forms[form]
        if word not in found or rank < found[word][0]:
            found[word] = (rank, np.array(vector, dtype=np.float32))
    counts = {case: 0 for case in _CASES}
    for rank, _ in found.values():
        counts[_CASES[rank]] += 1
    counts["not found"] = len(wanted) - len(found)
    if not found:
        raise DataError(
            f"{path}: none of the {len(wanted):,} words asked for is in the file, not even in "
            f"title or upper case ({n:,} vectors read); is it the right file and language?"
        )
    words = [w for w in wanted if w in found]
    vectors = np.stack([found[w][1] for w in words]) if words else np.empty((0, dim), np.float32)
    size = n * dim
    variance = max(squares / size - (total / size) ** 2, 0.0)
    return words, vectors, float(variance), counts


def _open(path: Path):
    """Open for reading only, decompressing ``.gz``/``.bz2`` on the fly."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


def _format_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2"):
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _check_sidecar(path: Path) -> None:
    sidecar = Path(f"{path}.sha256")
    if not sidecar.is_file():
        return
    fields = sidecar.read_text(encoding="ascii", errors="replace").split()
    expected = fields[0].lower() if fields else ""
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(
            f"{path} has sha256 {actual}, but {sidecar.name} says {expected or '(nothing)'}: "
            f"the file changed or is damaged since it was written"
        )


def _parse_header(line: bytes, path: Path) -> tuple[int, int]:
    fields = line.split()
    try:
        count, dim = (int(f) for f in fields)
    except ValueError:
        shown = line[:60].decode("utf-8", errors="backslashreplace").strip()
        raise DataError(
            f"{path} is not a word2vec file: its first line should be "
            f"'<count> <dimension>', found {shown!r}"
        ) from None
    if count < 1 or dim < 1:
        raise DataError(f"{path}: header announces {count} vectors of dimension {dim}")
    return count, dim


def _sniff(sample: bytes, dim: int) -> str | None:
    """'text' if the first record is a line of a word and numbers, 'binary' if raw bytes follow
    its word, None if it cannot tell (e.g. the file is cut inside the first record)."""
    first = sample.split(b"\n", 1)[0]
    try:
        numbers = [float(x) for x in first.decode("utf-8").rstrip().split(" ")[1:]]
    except (UnicodeDecodeError, ValueError):
        numbers = []
    if numbers:
        return "text"
    space = sample.find(b" ")
    if 0 <= space <= _MAX_WORD_BYTES:
        body = sample[space + 1 : space + 1 + 4 * dim]
        if any(byte < 9 or 13 < byte < 32 or byte > 126 for byte in body):
            return "binary"
    return None


def _corrupt(path: Path, count: int, dim: int, problem: str) -> DataError:
    return DataError(
        f"{path}: {problem}; the header announces {count} vectors of dimension {dim}, "
        f"so the file is truncated or corrupt, or its header disagrees with its content"
    )


def _binary_records(handle, count: int, dim: int, path: Path, stop: int):
    """Yield ``(word, vector)`` for the first ``stop`` of ``count`` records of
    ``word + b' ' + dim float32``; at ``stop == count``, check that only newlines follow.

    word2vec.c ends each record with ``\\n`` and gensim does not; both are accepted. A yielded
    vector is a read-only view of the reader's buffer: copy it to keep it.
    """
    record = 4 * dim
    buffer, pos = b"", 0

    def more() -> bool:
        nonlocal buffer, pos
        chunk = handle.read(_CHUNK)
        buffer, pos = buffer[pos:] + chunk, 0
        return bool(chunk)

    for i in range(stop):
        while True:
            space = buffer.find(b" ", pos, pos + _MAX_WORD_BYTES + 2)
            if space >= 0 and len(buffer) - space - 1 >= record:
                break
            if space < 0 and len(buffer) - pos > _MAX_WORD_BYTES + 1:
                raise _corrupt(path, count, dim, f"no word found where vector {i + 1} should start")
            if not more():
                raise _corrupt(path, count, dim, f"the data ends inside vector {i + 1}")
        raw = buffer[pos:space].lstrip(b"\n")
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError:
            problem = f"the word of vector {i + 1} is not UTF-8 ({raw[:30]!r})"
            raise _corrupt(path, count, dim, problem) from None
        if not word:
            raise _corrupt(path, count, dim, f"vector {i + 1} has an empty word")
        yield word, np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + record
    if stop < count:
        return
    while True:
        if buffer[pos:].strip(b"\n"):
            raise _corrupt(path, count, dim, f"more data follows the last of the {count} vectors")
        if not more():
            return


def _text_records(handle, count: int, dim: int, path: Path, stop: int):
    """Yield ``(word, vector)`` for the first ``stop`` of ``count`` lines of
    ``word x1 ... x_dim``; at ``stop == count``, check that only blank lines follow."""
    for i in range(stop):
        line = handle.readline()
        if not line:
            raise _corrupt(path, count, dim, f"the file ends after {i} vectors")
        try:
            parts = line.decode("utf-8").rstrip().split(" ")
        except UnicodeDecodeError:
            raise _corrupt(path, count, dim, f"line {i + 2} is not UTF-8 text") from None
        if len(parts) != dim + 1:
            raise _corrupt(
                path, count, dim, f"line {i + 2} ({parts[0][:30]!r}) has {len(parts) - 1} numbers"
            )
        try:
            vector = np.array(parts[1:], dtype=np.float32)
        except ValueError:
            problem = f"line {i + 2} ({parts[0][:30]!r}) holds a non-number"
            raise _corrupt(path, count, dim, problem) from None
        yield parts[0], vector
    if stop < count:
        return
    for line in handle:
        if line.strip():
            raise _corrupt(path, count, dim, f"more lines follow the last of the {count} vectors")
