"""The content-addressed caches under ``data/cache/``: finished runs and trained word vectors.

A run is stored under ``runs/<key>/`` (``result.json``, plus ``arrays.npz`` for a neural run: its
weights, and the vectors before and after fine-tuning), a set of word vectors under
``word2vec/<kind>-<key>/`` (``vec.bin`` and ``meta.json``). The keys hash what determines the
content: the parts of the run's config it has, the content of the files it reads, and the code of
every module that can change its result (:func:`result_code`, read as a syntax tree by
:func:`code_digest`), so chapters share runs, a rebuild retrains nothing, an edit to a docstring or
a comment retrains nothing, and a code change retrains exactly what it may have changed.

Writes are atomic: a run's folder is written completely elsewhere and renamed into place, and a
vectors entry counts as present only once its ``meta.json`` (written last) exists. This module
stores and reads records; what a run *is* lives in :mod:`w2vcnn.experiments`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._io import DataError, atomic_write, data_dir, sha256_file

PACKAGE = Path(__file__).parent
# Imported by the run code but unable to change a result: the profile's numbers reach a run only
# through its config's fields (which are in the key), and this module decides where results are
# stored, not what they are. (experiments.py, which dispatches a run and stores it, is imported by
# no computing module, so it is outside every key too; tests/test_cache.py traces a run to check
# that only these modules run outside its key.)
NOT_RESULT_CODE = frozenset({"profile.py", "cache.py"})


def cache_dir() -> Path:
    return data_dir() / "cache"


# ---------------------------------------------------------------- keys


@lru_cache(maxsize=None)
def result_code(*roots: str, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The package modules whose code can change what ``roots`` compute: the roots and every
    module they import, directly or not (imports inside functions included), minus
    :data:`NOT_RESULT_CODE` and ``leave_out`` (modules the run never executes, such as the other
    backend's model; their imports are not followed). Paths relative to the package, e.g.
    ``models/torch.py``."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name in leave_out:
            continue
        path = PACKAGE / name
        if not path.is_file():
            raise FileNotFoundError(f"result code {name} is not a file of the package {PACKAGE}")
        seen.add(name)
        todo.extend(_package_imports(path))
    return tuple(sorted(seen - NOT_RESULT_CODE))


def _package_imports(path: Path) -> list[str]:
    """The package modules ``path`` imports with relative imports (``from . import x``,
    ``from .x import y``, ``from ..x import y``)."""
    found = []
    for level, module, names in _parsed(path, _relative_imports):
        base = path.parent
        for _ in range(level - 1):
            base = base.parent
        if module:
            base = base.joinpath(*module.split("."))
            # a module that is gone must fail result_code, not vanish from the key
            found.append(_module_file(base) or base.parent / f"{base.name}.py")
        for name in names:
            # `from . import torch` names a module; `from . import MODES` a name in a package
            found.append(_module_file(base / name) or _module_file(base))
    return [str(p.relative_to(PACKAGE)) for p in found if p is not None]


def _parsed(path: Path, read):
    """``read(source)`` of the module at ``path``, remembered by its text: parsing every module
    again for each key was most of a key's second. A syntax error names the file."""
    source = path.read_text(encoding="utf-8")
    try:
        return read(source)
    except SyntaxError:
        ast.parse(source, str(path))  # the same error, with the file's name
        raise


@lru_cache(maxsize=256)
def _relative_imports(source: str) -> tuple[tuple[int, str | None, tuple[str, ...]], ...]:
    """(level, module, names) of each relative import in ``source``."""
    return tuple(
        (node.level, node.module, tuple(alias.name for alias in node.names))
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    )


def _module_file(stem: Path) -> Path | None:
    """``stem.py``, else ``stem/__init__.py``, else None."""
    for candidate in (stem.parent / f"{stem.name}.py", stem / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=None)
def code_digest(*roots: str, leave_out: tuple[str, ...] = ()) -> str:
    """sha256 over what :func:`result_code` of ``roots`` computes: each module's syntax tree
    (:func:`normalised_code`), so a docstring, a comment or a reformatting changes no key."""
    digest = hashlib.sha256()
    for name in result_code(*roots, leave_out=leave_out):
        digest.update(name.encode() + b"\0" + normalised_code(PACKAGE / name).encode())
    return digest.hexdigest()


def normalised_code(path: Path) -> str:
    """The module's syntax tree without docstrings, as text: what it computes, not how it is
    written (comments, blank lines, line breaks and quotes do not reach the tree). The tree's
    form is Python's own, so another Python minor version may give other keys."""
    return _parsed(path, _normalised)


@lru_cache(maxsize=256)
def _normalised(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def file_digest(path: str | os.PathLike) -> str:
    """sha256 of a file, for keys: remembered while the file's size, inode, modification and
    status-change times stay the same (as git's index does), so a 3.6 GB vec.bin is not read again
    each time a run's key is asked for; a file copied over it with its old modification time
    (``cp -p``) changes the status-change time. A file changed in the last two seconds is always
    read: an edit within one timestamp tick could keep them all (git's "racy" rule)."""
    stat = os.stat(path)
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) < 2_000_000_000:
        return sha256_file(path)
    return _file_digest(
        os.path.realpath(path), stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns
    )


@lru_cache(maxsize=64)
def _file_digest(path: str, *stat: int) -> str:
    return sha256_file(path)


def content_key(*parts) -> str:
    """A short content address: sha256 of the JSON of ``parts`` (keys sorted), 16 hex digits."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- runs


def run_dir(run_id: str) -> Path:
    return cache_dir() / "runs" / run_id


def has_run(run_id: str) -> bool:
    return (run_dir(run_id) / "result.json").is_file()


def read_run(run_id: str) -> dict:
    """The stored record of a finished run. :class:`DataError`, naming the file, when it is
    missing or is not a JSON object."""
    path = run_dir(run_id) / "result.json"
    if not path.is_file():
        raise DataError(f"no finished run {run_id!r} in {cache_dir() / 'runs'}")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(
            f"cache entry {path} is corrupt ({err}); delete its folder to retrain the run"
        ) from err
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise DataError(
            f"cache entry {path} is corrupt (not a run record); "
            "delete its folder to retrain the run"
        )
    return record


def write_run(run_id: str, record: dict, arrays: dict[str, np.ndarray] | None) -> None:
    """Write the run's folder completely elsewhere, then rename it into place: never half a run."""
    final = run_dir(run_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    # not mkdtemp (mode 0700): the umask gives the entry the usual permissions
    staging = final.parent / f".{run_id}.{secrets.token_hex(8)}"
    staging.mkdir()
    try:
        if arrays:
            np.savez(staging / "arrays.npz", **arrays)
        (staging / "result.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def rewrite_record(run_id: str, record: dict) -> None:
    """Replace a finished run's record (its arrays stay): written beside it, then renamed."""
    from ._io import atomic_write

    with atomic_write(run_dir(run_id) / "result.json", "w", encoding="utf-8") as out:
        out.write(json.dumps(record, indent=1))


def run_names() -> list[str]:
    """The keys of every finished run in the cache, sorted."""
    runs = cache_dir() / "runs"
    return (
        sorted(p.name for p in runs.iterdir() if not p.name.startswith("."))
        if runs.is_dir()
        else []
    )


# ---------------------------------------------------------------- word vectors


def vectors_dir(kind: str, key: str) -> Path:
    return cache_dir() / "word2vec" / f"{kind}-{key}"


def read_vectors_meta(folder: Path) -> dict | None:
    """The entry's ``meta.json``, or None when the entry is absent, unfinished or unreadable."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return meta if isinstance(meta, dict) else None


def write_vectors_meta(folder: Path, meta: dict) -> None:
    """Written last: marks the entry complete."""
    with atomic_write(folder / "meta.json", "w") as out:
        json.dump(meta, out, indent=1)


# ---------------------------------------------------------------- housekeeping


@dataclass(frozen=True)
class Entry:
    """One finished run (``kind="runs"``) or set of word vectors (``"word2vec"``) in the cache."""

    kind: str
    name: str
    path: Path
    size: int  # bytes
    # when listed: a run's folder appears complete (renamed into place); a vectors folder once
    # its meta.json exists. An incomplete one may be being written right now.
    complete: bool


def entries() -> list[Entry]:
    """Every run and word-vectors entry in the cache, staging folders (``.name.token``) left out."""
    found = []
    for kind in ("runs", "word2vec"):
        folder = cache_dir() / kind
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_dir() and not path.name.startswith("."):
                    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                    complete = kind == "runs" or (path / "meta.json").is_file()
                    found.append(Entry(kind, path.name, path, size, complete))
    return found


def remove(entry: Entry) -> None:
    """Take ``entry`` out of the cache: renamed away first, so no reader sees half an entry."""
    doomed = entry.path.parent / f".{entry.name}.removed.{secrets.token_hex(8)}"
    os.replace(entry.path, doomed)
    shutil.rmtree(doomed)
