"""word2vec vectors: train them, store them, load them safely, and turn them into a CNN's embedding layer.

Files are in the word2vec *binary* format of Mikolov's C tool (what GoogleNews-vectors-negative300.bin
uses and gensim's ``save_word2vec_format(binary=True)`` writes): a header line ``"<count> <dim>\\n"``,
then per word its UTF-8 bytes, a space and ``dim`` little-endian float32s. Every file is written
atomically with a ``.sha256`` sidecar, and :func:`load_vectors` checks the whole file's structure
before trusting it, so a truncated download or a text file with the wrong suffix fails loudly, by name.

Training is deterministic for a given ``seed`` with ``workers=1``. In gensim 4.x the initial vectors
come from ``numpy.random.default_rng(seed)``, not from ``hash(word)`` (gensim's docstring still says
otherwise), so ``PYTHONHASHSEED`` does not matter; the tests check this across processes.
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import math
import os
import re
import time
import warnings
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from ._io import DataError, atomic_write, sha256_file
from .text import Vocab

_SPECIALS = 2  # <pad> and <unk> lead every Vocab and never come from (or go into) a vectors file
_CHUNK = 1 << 20
_MAX_WORD_BYTES = 1000  # GoogleNews' longest key is ~300 bytes; a longer "word" means we lost the framing
_WHITESPACE = re.compile(r"\s")


# --------------------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainingStats:
    """How long ``Word2Vec.train`` took: the study compares skip-gram and CBOW speed."""

    sg: int
    epochs: int
    seconds: float          # wall time of training only (vocabulary building excluded)
    raw_words: int          # corpus tokens read, summed over epochs
    effective_words: int    # tokens actually trained on, after min_count and down-sampling

    @property
    def words_per_second(self) -> float:
        """Raw corpus words per second, the figure word2vec.c and Mikolov et al. report."""
        return self.raw_words / self.seconds if self.seconds > 0 else math.inf

    def __str__(self) -> str:
        kind = "skip-gram" if self.sg else "CBOW"
        return (f"{kind}: {self.epochs} epochs over {self.raw_words // self.epochs:,} words in "
                f"{self.seconds:.2f} s ({self.words_per_second:,.0f} words/s)")


def train_word2vec(corpus: Iterable[Sequence[str]], sg: int = 1, vector_size: int = 300,
                   window: int = 5, negative: int = 5, min_count: int = 1, epochs: int = 5,
                   seed: int = 0, workers: int = 1, sample: float = 1e-3) -> KeyedVectors:
    """Train word2vec with negative sampling (``sg=1`` skip-gram, ``sg=0`` CBOW); return its vectors.

    ``corpus`` is a list (or any re-iterable) of token lists: gensim reads it once to build the
    vocabulary and once per epoch. With ``workers=1`` the same seed gives bit-identical vectors;
    more workers are faster but their thread scheduling makes results vary from run to run.
    The returned ``KeyedVectors`` carries ``training_stats`` (:class:`TrainingStats`) and
    ``training_seconds``.
    """
    if sg not in (0, 1):
        raise ValueError(f"sg must be 1 (skip-gram) or 0 (CBOW), got {sg!r}")
    for name, value in [("vector_size", vector_size), ("window", window), ("negative", negative),
                        ("min_count", min_count), ("epochs", epochs), ("workers", workers)]:
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0 <= sample < 1:
        raise ValueError(f"sample (the down-sampling threshold) must be in [0, 1), got {sample!r}")
    if iter(corpus) is corpus:
        raise ValueError("corpus is a one-shot iterator, but word2vec reads it once per epoch "
                         "(plus once for the vocabulary): pass a list of token lists")
    first = next(iter(corpus), None)
    if first is None:
        raise ValueError("corpus is empty: nothing to train word2vec on")
    if isinstance(first, str):
        raise ValueError(f"corpus must hold token lists, but its first sentence is a string "
                         f"({first[:40]!r}); tokenize the sentences first")

    model = Word2Vec(sg=sg, hs=0, vector_size=vector_size, window=window, negative=negative,
                     min_count=min_count, epochs=epochs, seed=seed, workers=workers, sample=sample)
    model.build_vocab(corpus)
    if len(model.wv) == 0:
        raise ValueError(f"no word occurs min_count={min_count} times in the corpus: empty vocabulary")
    start = time.perf_counter()
    effective, raw = model.train(corpus, total_examples=model.corpus_count, epochs=epochs)
    seconds = time.perf_counter() - start

    kv = model.wv
    kv.training_stats = TrainingStats(sg=sg, epochs=epochs, seconds=seconds,
                                      raw_words=int(raw), effective_words=int(effective))
    kv.training_seconds = seconds
    return kv


# ---------------------------------------------------------------------------------------- writing


def _write_word2vec_binary(keys: Sequence[str], vectors: np.ndarray, path: str | os.PathLike) -> str:
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
        raise ValueError(f"refusing to write {path}: the vectors of {len(bad)} words contain NaN "
                         f"or inf (first: {keys[bad[0]]!r}); did training diverge?")
    for key in keys:
        if not isinstance(key, str) or not key or _WHITESPACE.search(key):
            raise ValueError(f"cannot store key {key!r} in word2vec format: keys must be non-empty "
                             f"strings without whitespace")
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


def export_vectors(vocab: Vocab | Sequence[str], matrix, path: str | os.PathLike,
                   source: str | os.PathLike | None = None) -> str:
    """Write an embedding matrix (e.g. fine-tuned by the CNN) as a new word2vec binary file.

    Row ``i`` is ``vocab.itos[i]`` (``vocab`` may also be that list of words itself); the ``<pad>`` and ``<unk>`` rows are left out, since they are
    not words. ``source`` is the file the vectors started from: writing over it is refused, so the
    pretrained vectors survive every experiment. Returns the sha256 (also in ``path + ".sha256"``).
    """
    if hasattr(matrix, "detach"):  # a torch tensor or parameter
        matrix = matrix.detach().cpu().numpy()
    matrix = np.asarray(matrix)
    words = vocab.itos if isinstance(vocab, Vocab) else list(vocab)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise DataError(f"cannot export to {path}: the matrix has shape {matrix.shape} but the "
                        f"vocabulary has {len(words)} entries; they must match row for row")
    if source is not None and _same_file(path, source):
        raise DataError(f"refusing to write {path}: it is the source vectors file {source}; "
                        f"export fine-tuned vectors to a new file")
    return _write_word2vec_binary(words[_SPECIALS:], matrix[_SPECIALS:], path)


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)  # also catches hard links and symlinks
    except OSError:  # one of them does not exist yet
        return Path(a).resolve() == Path(b).resolve()


# ---------------------------------------------------------------------------------------- loading


def load_vectors(path: str | os.PathLike, binary: bool | None = None,
                 expected_dim: int | None = None) -> KeyedVectors:
    """Load word2vec vectors, checking the file's structure from header to last byte.

    The format comes from ``binary``, else the suffix (``.bin`` binary, ``.txt``/``.vec`` text;
    a ``.gz``/``.bz2`` suffix is decompressed first, e.g. GoogleNews-vectors-negative300.bin.gz),
    else a look at the first record. Raises :class:`DataError`, naming the file, when it is missing
    or empty, its sha256 disagrees with a ``.sha256`` sidecar, it is in the other format than the
    one asked for, it is truncated or corrupt, its header disagrees with its content, or its
    dimension is not ``expected_dim``. The file is only ever opened for reading.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"vectors file {path} does not exist")
    if not path.is_file():
        raise DataError(f"vectors file {path} is not a regular file")
    if path.stat().st_size == 0:
        raise DataError(f"vectors file {path} is empty (0 bytes); was a download or a save interrupted?")
    _check_sidecar(path)
    try:
        return _load(path, binary, expected_dim)
    except (EOFError, OSError, zlib.error) as err:  # unreadable, or a damaged .gz/.bz2 stream
        raise DataError(f"cannot read {path}: {err}") from err


def _load(path: Path, binary: bool | None, expected_dim: int | None) -> KeyedVectors:
    with _open(path) as handle:
        header = handle.readline(200)
        count, dim = _parse_header(header, path)
        sample = handle.read(64 * 1024)
    if expected_dim is not None and dim != expected_dim:
        raise DataError(f"{path}: vectors have dimension {dim}, the config asks for {expected_dim}")

    sniffed = _sniff(sample, dim)
    suffix = _format_suffix(path)
    if binary is None:
        wanted, why = {".bin": (True, "its .bin suffix"), ".txt": (False, "its .txt suffix"),
                       ".vec": (False, "its .vec suffix")}.get(suffix, (None, ""))
    else:
        wanted, why = bool(binary), f"binary={bool(binary)}"
    if wanted is True and sniffed == "text":
        raise DataError(f"{path} looks like a word2vec text file, not binary (expected binary from "
                        f"{why}); load it with binary=False")
    if wanted is False and sniffed == "binary":
        raise DataError(f"{path} looks like a word2vec binary file, not text (expected text from "
                        f"{why}); load it with binary=True")
    is_binary = wanted if wanted is not None else sniffed != "text"

    with _open(path) as handle:
        handle.readline(200)
        reader = _read_binary if is_binary else _read_text
        words, vectors = reader(handle, count, dim, path)
    if not np.isfinite(vectors).all():
        row = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise DataError(f"{path} is corrupt: the vector of {words[row]!r} (number {row + 1}) "
                        f"holds NaN or inf")
    if len(set(words)) != len(words):
        seen: set[str] = set()
        duplicate = next(w for w in words if w in seen or seen.add(w))
        raise DataError(f"{path}: the word {duplicate!r} appears more than once")

    kv = KeyedVectors(dim, dtype=np.float32)
    kv.index_to_key, kv.vectors = words, vectors  # assigned, not add_vectors(): no second copy
    kv.key_to_index = {word: i for i, word in enumerate(words)}
    return kv


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
        raise DataError(f"{path} has sha256 {actual}, but {sidecar.name} says {expected or '(nothing)'}: "
                        f"the file changed or is damaged since it was written")


def _parse_header(line: bytes, path: Path) -> tuple[int, int]:
    fields = line.split()
    try:
        count, dim = (int(f) for f in fields)
    except ValueError:
        shown = line[:60].decode("utf-8", errors="backslashreplace").strip()
        raise DataError(f"{path} is not a word2vec file: its first line should be "
                        f"'<count> <dimension>', found {shown!r}") from None
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
        body = sample[space + 1: space + 1 + 4 * dim]
        if any(byte < 9 or 13 < byte < 32 or byte > 126 for byte in body):
            return "binary"
    return None


def _corrupt(path: Path, count: int, dim: int, problem: str) -> DataError:
    return DataError(f"{path}: {problem}; the header announces {count} vectors of dimension {dim}, "
                     f"so the file is truncated or corrupt, or its header disagrees with its content")


def _read_binary(handle, count: int, dim: int, path: Path) -> tuple[list[str], np.ndarray]:
    """Parse ``count`` records of ``word + b' ' + dim float32``; only newlines may follow them.

    word2vec.c ends each record with ``\\n`` and gensim does not; both are accepted.
    """
    record = 4 * dim
    words: list[str] = []
    vectors = np.empty((count, dim), dtype=np.float32)
    buffer, pos, eof = b"", 0, False

    def more() -> bool:
        nonlocal buffer, pos, eof
        chunk = handle.read(_CHUNK)
        buffer, pos, eof = buffer[pos:] + chunk, 0, not chunk
        return bool(chunk)

    for i in range(count):
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
        words.append(word)
        vectors[i] = np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + record
    while True:
        if buffer[pos:].strip(b"\n"):
            raise _corrupt(path, count, dim, f"more data follows the last of the {count} vectors")
        if not more():
            return words, vectors


def _read_text(handle, count: int, dim: int, path: Path) -> tuple[list[str], np.ndarray]:
    """Parse ``count`` lines of ``word x1 ... x_dim``; only blank lines may follow them."""
    words: list[str] = []
    vectors = np.empty((count, dim), dtype=np.float32)
    for i in range(count):
        line = handle.readline()
        if not line:
            raise _corrupt(path, count, dim, f"the file ends after {i} vectors")
        try:
            parts = line.decode("utf-8").rstrip().split(" ")
        except UnicodeDecodeError:
            raise _corrupt(path, count, dim, f"line {i + 2} is not UTF-8 text") from None
        if len(parts) != dim + 1:
            raise _corrupt(path, count, dim, f"line {i + 2} ({parts[0][:30]!r}) has "
                                             f"{len(parts) - 1} numbers")
        try:
            vectors[i] = np.array(parts[1:], dtype=np.float32)
        except ValueError:
            problem = f"line {i + 2} ({parts[0][:30]!r}) holds a non-number"
            raise _corrupt(path, count, dim, problem) from None
        words.append(parts[0])
    for line in handle:
        if line.strip():
            raise _corrupt(path, count, dim, f"more lines follow the last of the {count} vectors")
    return words, vectors


# ------------------------------------------------------------------------------ embedding layers


@dataclass(frozen=True)
class Coverage:
    """How much of a vocabulary the pretrained vectors cover (``<pad>`` and ``<unk>`` not counted)."""

    n_words: int           # vocabulary types
    n_found: int           # of those, types with a pretrained vector
    type_coverage: float   # n_found / n_words
    token_coverage: float  # the same, weighted by training-token counts (vocab.counts)
    scale: float           # a: the other rows (and <unk>) were drawn from U[-a, a]

    def __str__(self) -> str:
        return (f"{self.n_found:,} of {self.n_words:,} words have pretrained vectors "
                f"({self.type_coverage:.1%} of types, {self.token_coverage:.1%} of training tokens); "
                f"the other {self.n_words - self.n_found:,} and <unk> drawn from "
                f"U[-{self.scale:.4g}, {self.scale:.4g}]")


def random_matrix(vocab_size: int, dim: int, seed: int = 0, scale: float = 0.25) -> np.ndarray:
    """Kim (2014)'s CNN-rand initialisation: U[-scale, scale] everywhere, zeros for ``<pad>`` (row 0)."""
    if vocab_size < 1 or dim < 1:
        raise ValueError(f"need vocab_size >= 1 and dim >= 1, got {vocab_size} and {dim}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-scale, scale, size=(vocab_size, dim)).astype(np.float32)
    matrix[Vocab.pad_index] = 0.0
    return matrix


def vector_variance(vectors: np.ndarray, block: int = 1 << 16) -> float:
    """Variance of all entries, in float64 and by blocks (no 3.6 GB temporary for GoogleNews)."""
    total = squares = 0.0
    for start in range(0, len(vectors), block):
        part = vectors[start: start + block].astype(np.float64)
        total += part.sum()
        squares += np.square(part).sum()
    n = vectors.size
    return max(squares / n - (total / n) ** 2, 0.0)


def embedding_matrix(vocab: Vocab, kv: KeyedVectors, seed: int = 0,
                     scale: float | None = None) -> tuple[np.ndarray, Coverage]:
    """The embedding layer's initial weights: pretrained vectors where there are some.

    Row 0 (``<pad>``) is zero. A word found in ``kv`` (exact, case-sensitive match) gets a copy of
    its vector. Every other row, ``<unk>`` included, is drawn from U[-a, a] with
    a = sqrt(3 var(kv.vectors)), Kim's choice: the random vectors then have the variance of the
    pretrained ones (var U[-a, a] = a^2/3). ``scale`` sets a directly. The random rows are exactly
    those of ``random_matrix(len(vocab), dim, seed, a)``, so CNN-rand and CNN-static runs with the
    same seed differ only in the rows word2vec knows. Warns when under half the training tokens are covered.
    """
    if len(kv) == 0:
        raise ValueError("the vectors are empty: no word to initialise the embedding layer with")
    a = math.sqrt(3.0 * vector_variance(kv.vectors)) if scale is None else float(scale)
    matrix = random_matrix(len(vocab), kv.vector_size, seed=seed, scale=a)

    rows = [i for i in range(_SPECIALS, len(vocab)) if vocab.itos[i] in kv.key_to_index]
    if rows:
        matrix[rows] = kv.vectors[[kv.key_to_index[vocab.itos[i]] for i in rows]]

    n_words = len(vocab) - _SPECIALS
    tokens = sum(vocab.counts.get(w, 0) for w in vocab.itos[_SPECIALS:])
    found_tokens = sum(vocab.counts.get(vocab.itos[i], 0) for i in rows)
    coverage = Coverage(
        n_words=n_words,
        n_found=len(rows),
        type_coverage=len(rows) / n_words if n_words else math.nan,
        token_coverage=found_tokens / tokens if tokens else math.nan,
        scale=a,
    )
    # Tokens, not types: word2vec's min_count leaves most rare words out, which costs little.
    if coverage.token_coverage < 0.5:
        warnings.warn(f"vectors cover only {coverage.token_coverage:.1%} of the training tokens "
                      f"({coverage.n_found:,} of {coverage.n_words:,} words, "
                      f"{coverage.type_coverage:.1%} of the vocabulary); the rest start random. "
                      f"Do the vectors match the corpus's language, casing and tokenization?",
                      UserWarning, stacklevel=2)
    return matrix, coverage
