import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def isolated_data(tmp_path, monkeypatch):
    """A fresh, empty data folder, so a test can watch exactly what lands in the cache."""
    folder = tmp_path / "data"
    monkeypatch.setenv("W2VCNN_DATA", str(folder))
    return folder


def snapshot(folder):
    """Every file under ``folder`` with its bytes: to prove a failed call changed nothing."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
