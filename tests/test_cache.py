"""The run cache's key: every module that can change a result is in it, and nothing else is."""

import shutil

import pytest

from w2vcnn import cache
from w2vcnn.experiments import RunConfig

# Modules that only schedule, display or describe runs: editing them must retrain nothing.
NOT_RESULT_CODE = (
    "stats.py",
    "plots.py",
    "grids.py",
    "study.py",
    "build.py",
    "pages.py",
    "drift.py",
    "intrinsic.py",
    "profile.py",
    "cache.py",
    "__main__.py",
    "__init__.py",
)


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A copy of the package's source that the key is computed from, free to edit."""
    copy = tmp_path / "w2vcnn"
    shutil.copytree(cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", copy)
    _forget()
    yield copy
    _forget()


def _forget():
    cache.result_code.cache_clear()
    cache.code_digest.cache_clear()


def _key_after_editing(package, name, config=RunConfig()):
    _forget()
    before = config.key
    with open(package / name, "a", encoding="utf-8") as source:
        source.write("\n# an edit\n")
    _forget()
    return before, config.key


def test_the_result_code_is_what_the_run_code_imports():
    code = cache.result_code("experiments.py")
    for name in (
        "experiments.py",
        "data.py",
        "text.py",
        "corpus.py",
        "embeddings.py",
        "word2vec_format.py",
        "train.py",
        "baselines.py",
        "models/__init__.py",
        "models/torch.py",
        "models/keras.py",
        "_io.py",
    ):
        assert name in code, name
    assert "train.py" in cache.result_code(
        "baselines.py"
    )  # the TF-IDF baseline scores with train.accuracy_of
    assert all((cache.PACKAGE / name).is_file() for name in code)
    assert not set(code) & set(NOT_RESULT_CODE)


@pytest.mark.parametrize("name", cache.result_code("experiments.py"))
def test_editing_result_code_changes_every_key(package, name):
    for config in (RunConfig(), RunConfig(arch="tfidf").validated()):
        before, after = _key_after_editing(package, name, config)
        assert before != after, f"editing {name} kept the key of {config.variant}"


@pytest.mark.parametrize("name", NOT_RESULT_CODE)
def test_editing_display_code_keeps_the_key(package, name):
    before, after = _key_after_editing(package, name)
    assert before == after, f"editing {name} would retrain every run"


def test_a_missing_module_fails_loudly(package):
    (package / "train.py").unlink()
    _forget()
    with pytest.raises(FileNotFoundError, match="train.py"):
        RunConfig().key


def test_word_vectors_are_keyed_by_their_trainer(package):
    assert cache.result_code("embeddings.py") == ("embeddings.py", "text.py")
    before = cache.code_digest("embeddings.py")
    with open(package / "embeddings.py", "a", encoding="utf-8") as source:
        source.write("\n# an edit\n")
    _forget()
    assert cache.code_digest("embeddings.py") != before


def test_a_vectors_file_given_by_path_is_keyed_by_its_content(tmp_path):
    path = tmp_path / "vec.txt"
    path.write_text("1 2\ngood 0.1 0.2\n")
    config = RunConfig(init=str(path), mode="static")
    first = config.key
    path.write_text("1 2\ngood 0.3 0.2\n")  # same name, other vectors
    assert config.key != first
    path.write_text("1 2\ngood 0.1 0.2\n")
    assert config.key == first


def test_every_config_field_is_in_the_key():
    base = RunConfig()
    assert RunConfig(max_norm=None).key != base.key
    assert RunConfig(seed=1).key != base.key and RunConfig(corpus=("train",)).key != base.key


def test_the_package_imports_itself_relatively_so_the_key_sees_every_import():
    import ast

    absolute = []
    for path in cache.PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            absolute += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "w2vcnn"]
    assert not absolute, f"result_code follows relative imports only: {absolute}"


def test_a_vectors_files_digest_is_read_once_while_the_file_is_unchanged(tmp_path, monkeypatch):
    import os

    path = tmp_path / "vec.txt"
    path.write_text("1 2\ngood 0.1 0.2\n")
    old = 1_000_000_000  # long ago: out of the two-second window
    os.utime(path, ns=(old, old))
    reads = []
    monkeypatch.setattr(cache, "sha256_file", lambda p: reads.append(p) or f"digest{len(reads)}")
    cache._file_digest.cache_clear()
    config = RunConfig(init=str(path), mode="static")
    assert config.key == config.key and len(reads) == 1
    path.write_text("1 2\ngood 0.3 0.2\n")  # just changed: read again, every time
    assert cache.file_digest(path) == "digest2" and cache.file_digest(path) == "digest3"
