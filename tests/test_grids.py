"""Grids: paired configs, and the parallel runner giving the runs the serial one gives."""

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conftest import QUICK, snapshot
from w2vcnn import grids
from w2vcnn._io import DataError
from w2vcnn.experiments import RunConfig, is_cached, load_result, run
from w2vcnn.grids import grid, run_grid


def test_a_grid_pairs_variants_on_the_same_seeds(cache):
    configs = grid(seeds=[0, 1], mode=["rand", "static"], init="skipgram", **QUICK)
    assert [(c.mode, c.init, c.seed) for c in configs] == [
        ("rand", "random", 0),
        ("rand", "random", 1),
        ("static", "skipgram", 0),
        ("static", "skipgram", 1),
    ]
    frame = run_grid(configs, progress=False)
    # QUICK's word2vec epochs, vector size and epochs differ from the full profile's: the label
    # says so
    assert len(frame) == 4 and set(frame["variant"]) == {
        "cnn rand random torch 16-d ≤2 epochs",
        "cnn static skipgram torch word2vec×1 16-d ≤2 epochs",
    }
    assert frame.groupby("variant")["seed"].apply(sorted).tolist() == [[0, 1], [0, 1]]


def test_a_kfold_grid_runs_every_variant_on_the_profiles_folds():
    from w2vcnn import profile

    full = profile.named("full")
    configs = grid(profile=full, mode=["rand", "static"], init="skipgram")
    assert sorted((c.mode, c.fold) for c in configs) == [
        (mode, fold) for mode in ("rand", "static") for fold in range(10)
    ]
    assert {c.split for c in configs} == {"kfold"}
    secondary = grid(profile=full, folds=full.secondary_folds, mode="rand")
    assert [c.fold for c in secondary] == [0, 1, 2]
    # a holdout split has no folds: one run per seed
    holdout = grid(profile=full, split="holdout", mode="rand", seeds=[0, 1])
    assert [(c.seed, c.fold) for c in holdout] == [(0, 0), (1, 0)]


def test_workers_train_the_same_runs_as_one_process(cache, monkeypatch):
    configs = grid(seeds=[5], mode=["static", "non-static", "multichannel"], init="cbow", **QUICK)
    vectors = cache / "cache" / "word2vec"
    before = set(vectors.iterdir()) if vectors.exists() else set()
    trained = set()

    def wait(futures, return_when):
        done, pending = real_wait(futures, return_when=return_when)
        trained.update(done)
        return done, pending

    real_wait = grids.wait
    monkeypatch.setattr(grids, "wait", wait)
    parallel = run_grid(configs + configs[:1], workers=2, progress=False)  # one config twice
    assert len(trained) == 1 + 3  # one set of vectors, three runs: the repeated config trained once
    assert all(is_cached(c) for c in configs)
    assert list(parallel["run_id"]) == [c.key for c in configs + configs[:1]]
    # three runs share one set of cbow vectors: it was trained once, not once per worker
    assert len(set(vectors.iterdir()) - before) == 1
    for config in configs:
        serial = run(config, use_cache=False)  # retrained here, in this process
        cached = load_result(config.key)
        assert serial.vectors["sha256_before"] == cached.vectors["sha256_before"]
        # same run; one thread per worker may only change floating-point summation order
        np.testing.assert_allclose(
            [e["train_loss"] for e in serial.curve],
            [e["train_loss"] for e in cached.curve],
            rtol=1e-3,
        )


def test_a_failing_run_fails_the_grid_and_caches_nothing_for_it(cache, tmp_path):
    broken = tmp_path / "vec.txt"
    broken.write_text("3 16\ngood 0.1\n")  # truncated: one number where 16 are due
    good = RunConfig(**QUICK, mode="rand", init="random", seed=7)
    bad = RunConfig(**QUICK, mode="static", init=str(broken), seed=7)
    runs = cache / "cache" / "runs"
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match="vec.txt"):
        run_grid([good, bad], workers=2, progress=False)
    assert not is_cached(bad) and snapshot(tmp_path) == before
    assert not list(runs.glob(".*"))  # no half-written run folder
    with pytest.raises(DataError, match="no finished run"):
        load_result(bad.validated().key)


def test_longest_runs_start_first():
    configs = [
        RunConfig(arch="cbow"),
        RunConfig(mode="static"),
        RunConfig(mode="multichannel"),
        RunConfig(mode="non-static", backend="keras"),
    ]
    ordered = sorted(configs, key=grids._expected_cost, reverse=True)
    assert [(c.arch, c.mode, c.backend) for c in ordered] == [
        ("cnn", "multichannel", "torch"),
        ("cnn", "non-static", "keras"),
        ("cnn", "static", "torch"),
        ("cbow", "non-static", "torch"),
    ]


class _InlinePool:
    """An executor that runs each job when it is submitted, to watch the schedule's order."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, function, *args):
        from concurrent.futures import Future

        future = Future()
        future.set_result(function(*args))
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


def test_one_schedule_trains_vectors_first_and_each_run_once_its_vectors_exist(monkeypatch):
    order = []
    monkeypatch.setattr(grids, "ProcessPoolExecutor", _InlinePool)
    monkeypatch.setattr(
        grids, "_vectors_task", lambda c, ship: order.append(("vectors", c.init, c.seed))
    )
    monkeypatch.setattr(
        grids, "_compute_task", lambda c, v, early: order.append((c.mode, c.seed)) or [(c, None)]
    )
    monkeypatch.setattr(grids, "store_vectors", lambda name, files: None)
    monkeypatch.setattr(grids, "_store_run", lambda *outcome: None)
    configs = [
        RunConfig(arch="tfidf", seed=0).validated(),
        RunConfig(mode="rand", init="random", seed=0).validated(),
        RunConfig(mode="static", seed=0).validated(),
        RunConfig(mode="multichannel", seed=0).validated(),
    ]
    grids._train_in_parallel(configs, workers=2, report=None)
    assert order == [
        ("vectors", "skipgram", 0),  # vectors first: two runs wait for them
        ("rand", 0),  # meanwhile the longest run that needs none
        ("multichannel", 0),  # then the longest run ready, vectors or not
        ("static", 0),
        ("-", 0),  # TF-IDF, the cheapest, last
    ]


def test_run_groups_names_each_run_by_its_group(cache):
    rand = grid(seeds=[0, 1], mode="rand", **QUICK)
    frozen = grid(seeds=[0, 1], mode="static", init="skipgram", **QUICK)
    frame = grids.run_groups({"random": rand, "frozen": frozen}, column="start", progress=False)
    assert list(frame["start"]) == ["random", "random", "frozen", "frozen"]
    assert list(frame["run_id"]) == [c.key for c in rand + frozen]
    assert list(frame.loc[frame["start"] == "frozen", "mode"]) == ["static", "static"]


def _threads_in_a_worker():
    import os

    import torch

    return torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS")


def test_workers_run_one_thread_and_leave_the_callers_environment_alone():
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    before = dict(os.environ)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=grids._one_thread) as pool:
        assert pool.submit(_threads_in_a_worker).result() == (1, "1")
    assert dict(os.environ) == before


def test_a_script_without_a_main_guard_is_told_what_to_do(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "from w2vcnn.experiments import RunConfig\n"
        "from w2vcnn.grids import run_grid\n"
        "configs = [RunConfig(max_examples=600, vector_size=16, feature_maps=4, max_epochs=1,\n"
        "                     patience=1, mode='rand', init='random', seed=s) for s in (41, 42)]\n"
        "run_grid(configs, workers=2, progress=False)\n"
    )
    env = {**os.environ, "W2VCNN_DATA": str(tmp_path / "data"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: a grid worker process died") and "__main__" in last
    assert not list((tmp_path / "data" / "cache" / "runs").glob("*"))


def test_progress_reports_each_trained_run_once_and_nothing_when_cached(cache, capsys):
    configs = grid(seeds=[51, 52], mode="rand", **QUICK)
    run_grid(configs + configs[:1], desc="Q9 tiny")
    lines = capsys.readouterr().err.strip().splitlines()  # pytest's stderr is no terminal
    assert [line.split(" (")[0] for line in lines] == [
        "Q9 tiny: 1/2 trained",
        "Q9 tiny: 2/2 trained",
    ]
    assert "seed 51" in lines[0] and "cnn rand random torch" in lines[0]
    run_grid(configs, desc="Q9 tiny")
    assert capsys.readouterr().err == ""  # all cached: silent
    run_grid(configs, progress=False, use_cache=False)
    assert capsys.readouterr().err == ""


def test_groups_get_a_live_bar_each_with_the_run_being_trained(cache, capsys, monkeypatch):
    first = grid(seeds=[53, 54], mode="rand", **QUICK)
    second = grid(seeds=[54, 55], mode="rand", **QUICK)  # seed 54 is in both groups
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # as in a terminal
    run_grid(first + second, groups={"Q1 chapter": first, "Q2 longer name": second})
    screen = capsys.readouterr().err
    # one bar per group, names padded to one width, each run counted in every group listing it
    assert "Q1 chapter    " in screen and "Q2 longer name" in screen
    assert "2/2" in screen.split("Q1 chapter")[-1] and "2/2" in screen.split("Q2 longer name")[-1]
    assert "cnn rand random torch 16-d ≤2 epochs, rt-polarity seed 5" in screen  # the run trained
    assert " trained (" not in screen  # bars, not the log's lines


def _worker_machine(root: str) -> None:
    """A pool process that stands for another machine: its own, empty data folder (plus the
    dataset file), so nothing it writes can reach the driver's cache."""
    import tempfile

    folder = Path(tempfile.mkdtemp(dir=root))
    (folder / "rt").mkdir()
    csv = Path(root).parent / "rotten_tomatoes_corpus_full.csv"
    (folder / "rt" / csv.name).symlink_to(csv.resolve())
    os.environ["W2VCNN_DATA"] = str(folder)


@pytest.fixture
def machines(cache, tmp_path):
    """A spawn pool of two processes, each with a data folder of its own."""
    root = tmp_path / "machines"
    root.mkdir()
    (tmp_path / "rotten_tomatoes_corpus_full.csv").symlink_to(
        (cache / "rt" / "rotten_tomatoes_corpus_full.csv").resolve()
    )
    pool = ProcessPoolExecutor(
        2,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_machine,
        initargs=(str(root),),
    )
    yield pool, root
    pool.shutdown(cancel_futures=True)


def test_an_executor_computes_on_workers_and_only_the_driver_stores(cache, machines):
    pool, root = machines
    configs = grid(seeds=[21], mode=["rand", "static", "non-static", "multichannel"], **QUICK)
    frame = run_grid(configs, executor=pool, workers=2, progress=False)
    assert list(frame["run_id"]) == [c.key for c in configs]
    assert all(is_cached(c) for c in configs)
    # no worker wrote a run anywhere: the driver stored each one, once
    assert not list(root.glob("*/cache/runs/*"))
    assert not list((cache / "cache" / "runs").glob(".*"))
    for config in configs[1:]:  # the three that start from skip-gram vectors
        stored = load_result(config.key)
        path = Path(stored.vectors["path"])
        # the record names the driver's copy of the vectors, which the driver stored
        assert path.is_relative_to(cache / "cache" / "word2vec") and path.is_file()
        serial = run(config, use_cache=False)  # the same run, here, in this process
        assert serial.vectors["sha256_before"] == stored.vectors["sha256_before"]
        np.testing.assert_allclose(
            [e["train_loss"] for e in serial.curve],
            [e["train_loss"] for e in stored.curve],
            rtol=1e-3,
        )


class _PoolWithoutCancelFutures(ProcessPoolExecutor):
    """An executor whose shutdown() takes no cancel_futures, as some third-party ones."""

    def shutdown(self, wait=True):
        super().shutdown(wait=wait)


def test_a_failing_run_on_an_executor_surfaces_its_own_error_and_cancels_the_rest(cache, tmp_path):
    broken = tmp_path / "vec.txt"
    broken.write_text("3 16\ngood 0.1\n")  # truncated: one number where 16 are due
    # the longest run, so it starts first
    bad = RunConfig(**QUICK, mode="multichannel", init=str(broken), seed=23)
    waiting = [RunConfig(**QUICK, mode="rand", init="random", seed=s) for s in range(24, 30)]
    pool = _PoolWithoutCancelFutures(1, mp_context=multiprocessing.get_context("spawn"))
    with pytest.raises(DataError, match="vec.txt"):
        # two in flight on one process: the second waits in the executor's queue
        run_grid([*waiting, bad], executor=pool, workers=2, progress=False)
    pool.shutdown()
    # what was queued was cancelled; what was already running finished and was kept, whole
    assert not is_cached(bad) and sum(map(is_cached, waiting)) <= 1
    assert not list((cache / "cache" / "runs").glob(".*"))
