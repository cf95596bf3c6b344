"""The run cache's key: it follows what a run computes with, and nothing else.

Every module that can change a result is in the key of the runs that use it (a neural run's code is
``neural.py``'s import closure, a TF-IDF run's ``baselines.py``'s); a docstring, a comment, the
layout or a label changes no key; every file a run reads is keyed by its content."""

import ast
import os
import shutil
import sys
from pathlib import Path

import pytest

from w2vcnn import cache, profile, study
from w2vcnn import config as config_module
from w2vcnn.experiments import RunConfig, compute

SOURCE = cache.PACKAGE  # the package as installed; tests edit a copy
TFIDF_CONFIG = RunConfig(arch="tfidf").validated()
TORCH = RunConfig(backend="torch").code
KERAS = RunConfig(backend="keras").code
NEURAL = tuple(sorted(set(TORCH) | set(KERAS)))
TFIDF = TFIDF_CONFIG.code
# Modules that dispatch, store, schedule, display or describe runs: editing them retrains nothing.
OUTSIDE_THE_KEY = (
    "experiments.py",
    "tables.py",
    "explorer.py",
    "records.py",
    "stats.py",
    "plots.py",
    "grids.py",
    "study.py",
    "analyses.py",
    "build.py",
    "machine.py",
    "notebooks.py",
    "pages.py",
    "protocol.py",
    "directives.py",
    "drift.py",
    "intrinsic.py",
    "predict.py",
    "profile.py",
    "cache.py",
    "__main__.py",
    "__init__.py",
)
# a torch, a rand and a keras run, and TF-IDF
CONFIGS = [
    RunConfig(),
    RunConfig(mode="rand", init="random"),
    RunConfig(backend="keras"),
    TFIDF_CONFIG,
]


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


def _keys(configs) -> list[str]:
    _forget()
    return [c.key for c in configs]


def _edit(package, name, change) -> None:
    path = package / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_each_kind_of_run_is_keyed_on_the_code_it_computes_with():
    for name in (
        "neural.py",
        "config.py",
        "choices.py",
        "data.py",
        "readers.py",
        "splits.py",
        "text.py",
        "corpus.py",
        "general_corpus.py",
        "embeddings.py",
        "word2vec_format.py",
        "train.py",
        "metrics.py",
        "glove.py",
        "models/__init__.py",
        "_io.py",
    ):
        assert name in TORCH and name in KERAS, name
    # a run never executes the other backend's model (conv_max is torch's fast kernel)
    assert set(TORCH) ^ set(KERAS) == {"models/torch.py", "models/conv_max.py", "models/keras.py"}
    assert "models/torch.py" in TORCH and "models/keras.py" in KERAS
    assert RunConfig(mode="rand", init="random").code == TORCH
    assert set(TFIDF) == {
        "baselines.py",
        "config.py",
        "choices.py",
        "data.py",
        "readers.py",
        "splits.py",
        "text.py",
        "metrics.py",
        "_io.py",
    }
    assert all((cache.PACKAGE / name).is_file() for name in NEURAL + TFIDF)
    assert not (set(NEURAL) | set(TFIDF)) & set(OUTSIDE_THE_KEY)
    every = {str(p.relative_to(cache.PACKAGE)) for p in cache.PACKAGE.rglob("*.py")}
    assert every == set(NEURAL) | set(TFIDF) | set(OUTSIDE_THE_KEY), "a module nobody classified"


@pytest.mark.parametrize("name", sorted(set(NEURAL) | set(TFIDF)))
def test_a_code_edit_changes_the_keys_of_exactly_the_runs_that_use_the_module(package, name):
    before = _keys(CONFIGS)
    _edit(package, name, lambda source: source + "\n_EDITED = 1\n")
    changed = [a != b for a, b in zip(before, _keys(CONFIGS))]
    assert changed == [name in TORCH, name in TORCH, name in KERAS, name in TFIDF], name


def _restyle(source: str) -> str:
    """The same code written otherwise: every docstring reworded, comments and layout gone
    (``ast.unparse``), then a comment and blank lines added."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    body[0].value.value = "Reworded. " + body[0].value.value[::-1]
    return "# a new comment\n\n\n" + ast.unparse(tree) + "\n\n# and another\n"


@pytest.mark.parametrize("name", sorted(set(NEURAL) | set(TFIDF)))
def test_docstrings_comments_and_layout_change_no_key(package, name):
    before = _keys(CONFIGS)
    _edit(package, name, _restyle)
    assert (package / name).read_text() != (SOURCE / name).read_text()
    assert _keys(CONFIGS) == before, f"restyling {name} would retrain runs"


@pytest.mark.parametrize("name", OUTSIDE_THE_KEY)
def test_editing_code_outside_the_key_retrains_nothing(package, name):
    before = _keys(CONFIGS)
    _edit(package, name, lambda source: source + "\n_EDITED = 1\n")
    assert _keys(CONFIGS) == before, f"editing {name} would retrain every run"


def test_a_label_edit_retrains_nothing(package):
    before = _keys([RunConfig()])
    _edit(package, "tables.py", lambda s: s.replace('f"{config.vector_size}-d"', '"d"'))
    assert _keys([RunConfig()]) == before


def test_an_arithmetic_edit_in_train_retrains_every_neural_run_and_no_tfidf_run(package):
    configs = sorted(
        {c for cs in study.chapter_grids(profile.named("quick")).values() for c in cs},
        key=lambda c: c.is_baseline,
    )
    before = _keys(configs)
    _edit(package, "train.py", lambda s: s.replace(">= self.patience", "> self.patience"))
    changed = [a != b for a, b in zip(before, _keys(configs))]
    assert [c.is_baseline for c in configs] == [not x for x in changed]
    assert sum(c.is_baseline for c in configs) >= 2 and not all(c.is_baseline for c in configs)


def test_a_missing_module_fails_loudly(package):
    (package / "train.py").unlink()
    _forget()
    with pytest.raises(FileNotFoundError, match="train.py"):
        RunConfig().key


def test_word_vectors_are_keyed_by_their_trainer(package):
    assert cache.result_code("embeddings.py") == ("embeddings.py", "text.py")
    before = cache.code_digest("embeddings.py")
    _edit(package, "embeddings.py", _restyle)
    _forget()
    assert cache.code_digest("embeddings.py") == before
    _edit(package, "embeddings.py", lambda s: s + "\n_EDITED = 1\n")
    _forget()
    assert cache.code_digest("embeddings.py") != before


def test_a_key_covers_only_the_parts_a_run_has():
    rand = RunConfig(mode="rand", init="random")
    assert RunConfig(mode="rand", init="random", word2vec_epochs=3).key == rand.key
    assert RunConfig(mode="rand", init="random", corpus=("train",)).key == rand.key
    for unused in (
        dict(feature_maps=7),
        dict(max_epochs=3),
        dict(backend="keras"),
        dict(vector_size=30),
        dict(init="cbow"),
        dict(mode="static"),
    ):
        assert RunConfig(arch="tfidf", **unused).key == TFIDF_CONFIG.key, unused
    cbow = RunConfig(arch="cbow")
    assert RunConfig(arch="cbow", windows=(2,), feature_maps=7).key == cbow.key
    base = RunConfig()
    for used in (
        dict(mode="rand", init="random", vector_size=30),  # a rand run's rows have a size too
        dict(max_norm=None),
        dict(seed=1),
        dict(replicate=1),
        dict(padding="wide"),
        dict(word2vec_alpha=0.05),
        dict(mode="rand-scaled"),
        dict(corpus=("train",)),
        dict(word2vec_epochs=3),
        dict(windows=(2,)),
        dict(patience=9),
        dict(train_fraction=0.5),
        dict(dataset="rt-subjectivity"),
    ):
        assert RunConfig(**used).key != base.key, used


def test_runs_that_share_their_word_vectors_share_a_vectors_key():
    base = RunConfig()
    for other in (dict(mode="static"), dict(backend="keras"), dict(train_fraction=0.5)):
        assert RunConfig(**other).vectors_key == base.vectors_key, other
    assert RunConfig(fold=1).vectors_key != base.vectors_key
    assert RunConfig(init="cbow").vectors_key != base.vectors_key
    general = RunConfig(corpus=("brown", "gcide"))  # no training sentences: the same for every fold
    assert RunConfig(corpus=("brown", "gcide"), fold=3).vectors_key == general.vectors_key
    assert RunConfig(mode="rand", init="random").vectors_key is None
    assert RunConfig(mode="rand-scaled").vectors_key == base.vectors_key  # its rows' scale
    assert RunConfig(padding="wide").vectors_key == base.vectors_key
    for redrawn in (dict(replicate=1), dict(word2vec_alpha=0.05)):
        assert RunConfig(**redrawn).vectors_key != base.vectors_key, redrawn
    # the unlabeled text leaves out the fold's dev and test sentences: it depends on the fold
    unlabeled = RunConfig(corpus=("unlabeled",))
    assert RunConfig(corpus=("unlabeled",), fold=3).vectors_key != unlabeled.vectors_key


def test_word_vectors_are_keyed_by_the_code_that_reads_their_text(package):
    before = RunConfig().vectors_key
    _edit(package, "readers.py", lambda s: s + "\n_EDITED = 1\n")
    _forget()
    assert RunConfig().vectors_key != before


def test_every_fold_draws_anew_and_every_variant_on_a_fold_draws_alike():
    base = RunConfig()
    for variant in (dict(mode="static"), dict(mode="rand", init="random"), dict(init="cbow")):
        assert RunConfig(**variant).draw_seed == base.draw_seed, variant
    draws = {RunConfig(fold=f, replicate=r).draw_seed for f in range(10) for r in range(3)}
    assert len(draws) == 30
    assert RunConfig(seed=1).draw_seed != base.draw_seed
    # word2vec on the fold's own text draws per fold; on general English once for every fold,
    # as its vectors are trained once (vectors_key)
    assert RunConfig(fold=1).word2vec_seed != base.word2vec_seed == base.draw_seed
    general = dict(corpus=("brown", "gcide"))
    assert RunConfig(fold=3, **general).word2vec_seed == RunConfig(**general).word2vec_seed
    assert RunConfig(replicate=1, **general).word2vec_seed != RunConfig(**general).word2vec_seed


def test_a_new_library_version_retrains_the_runs_that_compute_with_it(monkeypatch):
    before = _keys(CONFIGS)
    newer = {"torch": "99.0"}
    original = config_module._version
    monkeypatch.setattr(
        config_module, "_version", lambda *names: newer.get(names[0]) or original(*names)
    )
    changed = [a != b for a, b in zip(before, _keys(CONFIGS))]
    assert changed == [True, True, False, False]  # the torch runs, not the keras or TF-IDF one
    monkeypatch.setattr(
        config_module,
        "_version",
        lambda *names: "99.0" if names[0] == "gensim" else original(*names),
    )
    # the word2vec runs of both backends; not rand, not TF-IDF
    assert [a != b for a, b in zip(before, _keys(CONFIGS))] == [True, False, True, False]


def test_a_vectors_file_given_by_path_is_keyed_by_its_content(tmp_path):
    path = tmp_path / "vec.txt"
    path.write_text("1 2\ngood 0.1 0.2\n")
    config = RunConfig(init=str(path), mode="static")
    first = config.key
    path.write_text("1 2\ngood 0.3 0.2\n")  # same name, other vectors
    assert config.key != first
    path.write_text("1 2\ngood 0.1 0.2\n")
    assert config.key == first
    moved = tmp_path / "elsewhere.txt"
    shutil.copy(path, moved)
    assert RunConfig(init=str(moved), mode="static").key == first


def test_a_dataset_given_by_path_is_keyed_by_its_content(tmp_path):
    path = tmp_path / "my.csv"
    path.write_text("text,label\ngood film,pos\nbad film,neg\n")
    config = RunConfig(dataset=str(path), mode="rand", init="random")
    first = config.key
    path.write_text("text,label\ngood film,neg\nbad film,pos\n")  # every label flipped
    assert config.key != first
    path.write_text("text,label\ngood film,pos\nbad film,neg\n")
    assert config.key == first
    copy = tmp_path / "copy.csv"
    shutil.copy(path, copy)
    assert RunConfig(dataset=str(copy), mode="rand", init="random").key == first
    # the suffix picks the reader: the same bytes read as "label text" lines are other data
    lines = tmp_path / "my.txt"
    shutil.copy(path, lines)
    assert RunConfig(dataset=str(lines), mode="rand", init="random").key != first


def test_a_file_replaced_with_its_old_modification_time_is_read_again(tmp_path, monkeypatch):
    path = tmp_path / "my.csv"
    path.write_text("text,label\ngood film,pos\nbad film,neg\n")
    os.utime(path, ns=(10**18, 10**18))
    later = cache.time.time_ns() + 10**12  # long after: the remembered digest may be used
    monkeypatch.setattr(cache.time, "time_ns", lambda: later)
    first = cache.file_digest(path)
    replacement = tmp_path / "flipped.csv"
    replacement.write_text("text,label\ngood film,neg\nbad film,pos\n")  # same size
    os.utime(replacement, ns=(10**18, 10**18))
    os.replace(replacement, path)  # as `cp -p` or an archive would leave it: same size and mtime
    assert path.stat().st_size == len("text,label\ngood film,pos\nbad film,neg\n")
    assert cache.file_digest(path) != first


def test_a_dataset_folder_is_keyed_by_every_file_in_it(tmp_path):
    folder = tmp_path / "mr"
    folder.mkdir()
    (folder / "rt-polarity.pos").write_text("good\n")
    (folder / "rt-polarity.neg").write_text("bad\n")
    config = RunConfig(dataset=str(folder), mode="rand", init="random")
    first = config.key
    (folder / "rt-polarity.neg").write_text("bad\nworse\n")
    assert config.key != first


def test_a_missing_dataset_or_vectors_file_is_one_clear_error(tmp_path):
    from w2vcnn._io import DataError

    with pytest.raises(DataError, match="unknown dataset .*nowhere.csv"):
        RunConfig(dataset=str(tmp_path / "nowhere.csv")).key
    with pytest.raises(DataError, match="vectors file .*nowhere.bin does not exist"):
        RunConfig(init=str(tmp_path / "nowhere.bin")).key


def test_the_package_imports_itself_relatively_so_the_key_sees_every_import():
    absolute = []
    for path in cache.PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            absolute += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "w2vcnn"]
    assert not absolute, f"result_code follows relative imports only: {absolute}"


def _modules_that_ran(function, *args) -> set[str]:
    """The package's modules whose functions ran during ``function(*args)``."""
    ran = set()

    def record(frame, event, arg):
        if event == "call":
            ran.add(frame.f_code.co_filename)

    sys.setprofile(record)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    package = SOURCE.resolve()
    files = {Path(f).resolve() for f in ran}
    return {str(f.relative_to(package)) for f in files if f.is_relative_to(package)}


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind, must_run",
    [
        ("torch", {"neural.py", "train.py", "models/torch.py", "embeddings.py", "corpus.py"}),
        ("keras", {"neural.py", "train.py", "models/keras.py", "embeddings.py", "corpus.py"}),
        ("tfidf", {"baselines.py"}),
    ],
)
def test_every_module_a_run_executes_is_in_its_key_or_only_dispatches_and_stores(
    cache_folder, kind, must_run
):
    from conftest import QUICK

    glue = {"experiments.py", "cache.py", "profile.py", "__init__.py"}
    # a replicate of its own: vectors no other test of the module trained, as the corpus is built
    # only to train them
    kinds = {
        "torch": {"replicate": 7},
        "keras": {"backend": "keras", "replicate": 8},
        "tfidf": {"arch": "tfidf"},
    }
    config = RunConfig(**{**QUICK, "max_examples": 300, **kinds[kind]}).validated()
    ran = _modules_that_ran(compute, config)
    assert must_run <= ran
    assert ran - glue <= set(config.code), f"ran outside the key: {ran - glue - set(config.code)}"
    if kind == "tfidf":
        assert "train.py" not in ran


@pytest.fixture
def cache_folder(cache):
    return cache
