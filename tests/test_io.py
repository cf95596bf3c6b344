import os

import pytest

from conftest import snapshot
from w2vcnn._io import DataError, atomic_write, data_dir, fetch_url, sha256_file


def test_data_dir_follows_the_environment(isolated_data):
    assert data_dir() == isolated_data
    assert isolated_data.is_dir()


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "cache.bin"
    target.write_bytes(b"good")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as out:
            out.write(b"half-writ")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]  # no temporary file left
    with atomic_write(target, "w", encoding="utf-8") as out:
        out.write("new")
    assert target.read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) != "0o600"


def test_atomic_write_gives_the_umask_permissions_and_leaves_the_umask_alone(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "shared.txt", "w") as out:
            out.write("x")
        assert os.umask(0o027) == 0o027  # unchanged by the write
    finally:
        os.umask(old)
    assert (tmp_path / "shared.txt").stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["shared.txt"]


def test_fetch_url_verifies_and_caches(isolated_data, tmp_path):
    origin = tmp_path / "archive.tar.gz"
    origin.write_bytes(b"pretend archive")
    digest = sha256_file(origin)
    fetched = fetch_url(origin.as_uri(), "archive.tar.gz", digest, "pass path=")
    assert fetched == isolated_data / "downloads" / "archive.tar.gz"
    assert fetched.read_bytes() == b"pretend archive"
    origin.unlink()  # a second call is served from the cache
    assert fetch_url("file:///nonexistent", "archive.tar.gz", digest, "pass path=") == fetched


def test_checksum_mismatch_leaves_nothing_in_the_cache(isolated_data, tmp_path):
    (isolated_data / "downloads").mkdir(parents=True)
    (isolated_data / "downloads" / "other.whl").write_bytes(b"an unrelated good entry")
    before = snapshot(isolated_data)
    origin = tmp_path / "tampered.tar.gz"
    origin.write_bytes(b"not what was pinned")
    with pytest.raises(
        DataError, match=r"tampered\.tar\.gz .* has sha256 [0-9a-f]{64}, expected 0{64}"
    ):
        fetch_url(origin.as_uri(), "tampered.tar.gz", "0" * 64, "pass path=")
    assert snapshot(isolated_data) == before


def test_no_network_says_how_to_use_a_local_copy(isolated_data):
    with pytest.raises(
        DataError, match=r"cannot download x\.tgz from http://127\.0\.0\.1:9/x\.tgz.*pass path="
    ):
        fetch_url("http://127.0.0.1:9/x.tgz", "x.tgz", "0" * 64, "pass path=")
    assert snapshot(isolated_data) == {}


def test_a_corrupt_cache_entry_is_fetched_again(isolated_data, tmp_path):
    origin = tmp_path / "a.bin"
    origin.write_bytes(b"right bytes")
    cached = isolated_data / "downloads" / "a.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"bit rot")
    fetch_url(origin.as_uri(), "a.bin", sha256_file(origin), "pass path=")
    assert cached.read_bytes() == b"right bytes"
    assert not [p for p in cached.parent.iterdir() if p.name != "a.bin"]
    assert os.path.getsize(cached) == len(b"right bytes")


def test_unpublished_checksum_is_recorded_on_first_download_then_enforced(isolated_data, tmp_path):
    origin = tmp_path / "custrev.all"
    origin.write_bytes(b"1 good\n0 bad\n")
    with pytest.warns(
        UserWarning, match=r"custrev\.all: no published sha256.*recorded [0-9a-f]{64}"
    ):
        fetched = fetch_url(origin.as_uri(), "custrev.all", None, "pass path=")
    record = isolated_data / "downloads" / "custrev.all.sha256"
    assert record.read_text().strip() == sha256_file(fetched)
    fetched.write_bytes(
        b"1 tampered\n"
    )  # the cached copy no longer matches its record: fetched again
    origin.write_bytes(b"1 changed upstream\n")
    with pytest.raises(DataError, match="has sha256"):
        fetch_url(origin.as_uri(), "custrev.all", None, "pass path=")
    assert not fetched.exists() and record.is_file()
