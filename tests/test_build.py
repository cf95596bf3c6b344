"""What `make book` runs first: every chapter's runs, the build-time record, the inputs digest."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from conftest import QUICK
from w2vcnn import build, machine, profile, study
from w2vcnn.experiments import RunConfig, is_cached, load_result, run
from w2vcnn.grids import run_grid

QUICK_PROFILE = profile.named("quick")


def test_train_all_trains_every_chapter_run_and_records_the_minutes(cache, monkeypatch):
    kim = QUICK | {"patience": None}
    tiny = [RunConfig(**kim, mode="rand", init="random", seed=s) for s in (21, 22)]
    read = dataclasses.replace(tiny[0], patience=1)  # new in Q2, read from Q1's training
    grids = {"Q1 tiny": tiny, "Q2 tiny": [tiny[0], read]}
    monkeypatch.setattr(study, "chapter_grids", lambda p: grids)
    monkeypatch.setattr(machine, "sgemm_gflops", lambda threads: 10.0 * threads)  # no need to time
    digest_before = build.inputs_digest(QUICK_PROFILE)
    lines = []
    table = build.train_all(QUICK_PROFILE, workers=1, report=lines.append)
    assert list(table["runs"]) == [2, 2]
    assert list(table["trained"]) == [2, 0]  # Q2's runs came from Q1 and Q1's training
    assert [line.split()[:2] for line in lines] == [["Q1", "tiny"], ["Q2", "tiny"]]
    assert all(is_cached(c) for c in [*tiny, read])
    times = build.build_times(QUICK_PROFILE)
    assert list(times.index) == ["Q1 tiny", "Q2 tiny"] and list(times["trained"]) == [2, 0]
    trained_seconds = sum(load_result(c.validated().key).wall_seconds for c in tiny)
    assert times.loc["Q1 tiny", "run minutes"] * 60 == pytest.approx(trained_seconds)
    assert times.loc["Q2 tiny", "run minutes"] == 0
    assert times.attrs["workers"] == 1
    assert times.attrs["wall minutes"] >= times["run minutes"].sum() * 0.99
    assert times.attrs["core minutes"] == times.attrs["wall minutes"] * 1
    facts = times.attrs["machine"]
    assert facts["cores"] >= 1 and facts["sgemm_1_thread"] == 10.0 and facts["cpu"]
    # new runs make the pages stale; a second call trains nothing and keeps the record of the first
    digest_after = build.inputs_digest(QUICK_PROFILE)
    assert digest_after != digest_before
    record = (cache / "cache" / "build-times-quick.json").read_bytes()
    again = build.train_all(QUICK_PROFILE, report=lambda line: None)
    assert list(again["trained"]) == [0, 0]
    assert (cache / "cache" / "build-times-quick.json").read_bytes() == record
    assert build.inputs_digest(QUICK_PROFILE) == digest_after


def test_experiment_minutes_count_each_run_and_set_of_vectors_where_first_listed(
    cache, monkeypatch
):
    static, non_static = (
        RunConfig(**QUICK, mode=m, init="skipgram", seed=23) for m in ("static", "non-static")
    )  # one set of vectors for both
    kim = RunConfig(**(QUICK | {"patience": None}), mode="rand", init="random", seed=23)
    patience = dataclasses.replace(kim, patience=1)  # read from kim's training
    run_grid([static, non_static, kim, patience])
    listed = {"first": [kim], "second": [static, non_static, patience, kim], "none": []}
    monkeypatch.setattr(study, "EXPERIMENTS", {k: lambda p, v=v: v for k, v in listed.items()})
    table = build.experiment_minutes(QUICK_PROFILE)
    assert list(table.index) == ["first", "second", "none"]
    # kim counts where first listed; patience was read from kim's training: not trained
    assert list(table["runs"]) == [1, 4, 0] and list(table["trained"]) == [1, 2, 0]
    seconds = {c: load_result(c.validated().key).wall_seconds for c in listed["second"]}
    assert seconds[patience] == 0 and seconds[static] > 0 and seconds[non_static] > 0
    assert table.loc["first", "run minutes"] * 60 == pytest.approx(seconds[kim])
    assert table.loc["second", "run minutes"] * 60 == pytest.approx(
        seconds[static] + seconds[non_static]
    )
    assert list(table["vector sets"]) == [0, 1, 0]  # static and non-static share one set
    meta = run(static).vectors
    assert table.loc["second", "vector minutes"] * 60 == pytest.approx(meta["training_seconds"])


def test_build_times_without_a_record_is_empty(isolated_data):
    times = build.build_times(QUICK_PROFILE)
    assert times.empty and list(times.columns) == ["runs", "trained", "run minutes"]
    # a record from before the machine's facts had names reads as none (Results says so)
    old = {
        "finished": "2026-12-02T15:00:00",
        "workers": 2,
        "wall minutes": 1.0,
        "core minutes": 2.0,
        "machine": {"CPU": "AMD EPYC", "sgemm GFLOP/s, 1 thread": 80.0},
        "chapters": [{"chapter": "Q1", "runs": 1, "trained": 1, "run minutes": 1.0}],
    }
    path = build._build_times_path(QUICK_PROFILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(old))
    assert build.build_times(QUICK_PROFILE).empty


def test_inputs_digest_follows_the_profile(isolated_data):
    assert build.inputs_digest(profile.named("full")) != build.inputs_digest(QUICK_PROFILE)
    yours = dataclasses.replace(QUICK_PROFILE, vectors="/data/GoogleNews.bin")
    assert build.inputs_digest(yours) != build.inputs_digest(QUICK_PROFILE)
    assert build._build_times_path(yours) != build._build_times_path(QUICK_PROFILE)


def test_cache_prune_removes_what_the_book_does_not_use_and_nothing_else(
    cache, tmp_path, monkeypatch, capsys
):
    from w2vcnn import cache as run_cache
    from w2vcnn.__main__ import main

    own = tmp_path / "data"  # a cache of its own, sharing the module's Rotten Tomatoes copy
    shutil.copytree(cache / "rt", own / "rt", symlinks=True)
    monkeypatch.setenv("W2VCNN_DATA", str(own))
    used = [RunConfig(**QUICK, mode="static", seed=41), RunConfig(**QUICK, arch="tfidf", seed=41)]
    other = RunConfig(**QUICK, mode="static", seed=42)
    monkeypatch.setattr(study, "chapter_grids", lambda p: {"Q1 tiny": used})
    for config in used + [other]:
        run(config)
    vectors_used = Path(load_result(used[0].validated().key).vectors["path"])
    writing = run_cache.cache_dir() / "word2vec" / "skipgram-being-written"
    writing.mkdir()  # no meta.json yet: another process may be writing it
    staging = run_cache.cache_dir() / "runs" / ".0123.staging"
    staging.mkdir()

    assert main(["--profile", "quick", "cache"]) == 0
    report = capsys.readouterr().out
    assert "3 runs" in report and "the quick book uses 2 runs" in report
    assert "1 incomplete word-vector entries left alone" in report
    before = run_cache.entries()
    assert main(["--profile", "quick", "cache", "prune", "--dry-run"]) == 0
    assert run_cache.entries() == before
    assert f"would remove runs/{other.validated().key}" in capsys.readouterr().out
    assert main(["--profile", "quick", "cache", "prune"]) == 0
    pruned = capsys.readouterr().out
    # the entries just removed are not counted as incomplete: only the one being written
    assert "freed" in pruned and "1 incomplete word-vector entries left alone" in pruned
    assert all(is_cached(c) for c in used) and not is_cached(other)
    assert vectors_used.is_file() and writing.is_dir() and staging.is_dir()
    names = {e.name for e in run_cache.entries() if e.kind == "word2vec"}
    assert names == {vectors_used.parent.name, writing.name}  # seed 42's vectors are gone


def test_cache_prune_keeps_word_vectors_while_the_book_has_runs_to_train(
    cache, tmp_path, monkeypatch
):
    own = tmp_path / "data"
    shutil.copytree(cache / "rt", own / "rt", symlinks=True)
    monkeypatch.setenv("W2VCNN_DATA", str(own))
    trained = RunConfig(**QUICK, mode="static", seed=44)
    build_run = RunConfig(**QUICK, mode="static", seed=45)  # not trained yet: a build is under way
    run(trained)
    vectors = Path(load_result(trained.validated().key).vectors["path"]).parent
    monkeypatch.setattr(study, "chapter_grids", lambda p: {"Q1 tiny": [build_run]})
    report = build.cache_report(QUICK_PROFILE, prune=True)
    assert "1 of the book's runs are not trained yet: word vectors kept" in report
    assert not is_cached(trained) and vectors.is_dir()  # the unused run went, its vectors stayed


_TINY_RUNS = """
from conftest import QUICK
from w2vcnn.experiments import RunConfig

runs = [RunConfig(**{**QUICK, **rule}, mode=m, init=i, seed=s)
        for s in (61, 62, 63)
        for m, i in (("rand", "random"), ("static", "cbow"))
        for rule in ({"max_epochs": 3, "patience": None}, {})]
"""
# a study of those runs alone, in a process of its own (its workers import it again)
_STUDY_OF_TINY_RUNS = (
    _TINY_RUNS
    + """
from w2vcnn import build, profile, study

study.chapter_grids = lambda p: {"Q1 tiny": runs}
if __name__ == "__main__":
    build.train_all(profile.named("quick"), workers=2, report=lambda line: None)
"""
)


def test_a_study_killed_midway_keeps_what_it_finished_and_the_next_trains_only_the_rest(
    cache, tmp_path, monkeypatch
):
    """Kill -9 the driver and its workers once two runs are stored: every stored run and set of
    word vectors reads back, no half-written entry counts, and the next study trains the rest."""
    import os
    import signal
    import subprocess
    import sys

    from w2vcnn import cache as run_cache
    from w2vcnn import grids

    script = tmp_path / "tiny_study.py"
    script.write_text(_STUDY_OF_TINY_RUNS)
    tests = Path(__file__).parent
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")])
    )
    study_process = subprocess.Popen(
        [sys.executable, str(script)], stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    finished, said = 0, []
    for line in study_process.stderr:
        said.append(line)
        finished += " trained (" in line
        if finished == 2:
            os.killpg(study_process.pid, signal.SIGKILL)  # the driver and its workers, at once
            break
    study_process.wait(timeout=60)
    assert finished == 2, f"the study ended before two runs were stored: {''.join(said)}"
    namespace = {}
    exec(compile(_TINY_RUNS, "tiny", "exec"), namespace)  # the same runs, nothing patched
    runs = [c.validated() for c in namespace["runs"]]
    stored = [c for c in runs if run_cache.has_run(c.key)]
    assert 2 <= len(stored) < len(runs)
    for config in stored:  # each reads back whole, its vectors with it
        result = load_result(config.key)
        assert result.config == config
        if config.trains_word2vec:
            assert Path(result.vectors["path"]).is_file()
    for folder in (cache / "cache" / "word2vec").iterdir():  # complete, or not counted at all
        assert run_cache.read_vectors_meta(folder) is None or (folder / "vec.bin").is_file()
    trained = []
    monkeypatch.setattr(grids._Progress, "finished", lambda self, config: trained.append(config))
    monkeypatch.setattr(grids._Progress, "started", lambda self, config: None)
    monkeypatch.setattr(study, "chapter_grids", lambda p: {"Q1 tiny": runs})
    build.train_all(QUICK_PROFILE, workers=1, report=lambda line: None)
    assert sorted(map(str, trained)) == sorted(str(c) for c in runs if c not in stored)
    assert all(is_cached(c) for c in runs)
