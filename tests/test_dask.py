"""A grid on a real Dask cluster (distributed.LocalCluster: two worker processes, one thread each),
whose workers have a data folder of their own: they compute, the driver stores."""

import functools

import numpy as np
import pytest

from conftest import QUICK
from w2vcnn import grids
from w2vcnn.__main__ import main
from w2vcnn.experiments import is_cached, load_result, run
from w2vcnn.grids import grid, run_grid

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster(cache, tmp_path_factory):
    """Two one-thread worker processes whose W2VCNN_DATA is not the driver's."""
    elsewhere = tmp_path_factory.mktemp("worker-data")
    (elsewhere / "rt").mkdir()
    (elsewhere / "rt" / "rotten_tomatoes_corpus_full.csv").symlink_to(
        (cache / "rt" / "rotten_tomatoes_corpus_full.csv").resolve()
    )
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env={"W2VCNN_DATA": str(elsewhere)},
    ) as local:
        yield local, elsewhere


def test_a_dask_grid_equals_the_serial_runs_and_only_the_driver_stores(cache, cluster):
    local, elsewhere = cluster
    configs = grid(seeds=[31, 32], mode=["rand", "non-static"], init="cbow", **QUICK)
    with grids.dask_executor(local.scheduler_address) as (executor, threads):
        assert threads == 2
        frame = run_grid(configs, executor=executor, workers=threads, progress=False)
    assert list(frame["run_id"]) == [c.key for c in configs]
    runs = cache / "cache" / "runs"
    assert sorted(p.name for p in runs.iterdir()) >= sorted(c.key for c in configs)
    assert not list(runs.glob(".*"))  # no half-written entry
    assert not (elsewhere / "cache" / "runs").exists()  # the workers stored no run
    for config in configs:
        stored = load_result(config.key)
        if config.trains_word2vec:
            assert stored.vectors["path"].startswith(str(cache / "cache" / "word2vec"))
        serial = run(config, use_cache=False)
        np.testing.assert_allclose(
            [e["train_loss"] for e in serial.curve],
            [e["train_loss"] for e in stored.curve],
            rtol=1e-3,
        )
        assert serial.test_accuracy == pytest.approx(stored.test_accuracy, abs=0.02)


def test_a_worker_killed_mid_grid_leaves_no_half_entry_and_a_rerun_trains_the_rest(
    cache, cluster, monkeypatch
):
    local, _ = cluster
    configs = grid(seeds=[41, 42, 43, 44, 45, 46], mode="rand", **QUICK)
    restarted, stored_before = [], []

    def finished(self, config):
        stored_before.append(config)

    def started(self, config):  # once a run is stored, kill every worker as the next one starts
        if stored_before and not restarted:
            restarted.append(config)
            client.restart()

    monkeypatch.setattr(grids._Progress, "finished", finished)
    monkeypatch.setattr(grids._Progress, "started", started)
    with grids.dask_executor(local.scheduler_address) as (executor, threads):
        client = executor._client
        with pytest.raises(Exception) as failure:
            run_grid(configs, executor=executor, workers=threads, progress=True)
    assert "w2vcnn" not in type(failure.value).__module__  # Dask's own error, not ours
    stored = [c for c in configs if is_cached(c)]
    assert restarted and stored_before[0] in stored and len(stored) < len(configs)
    assert restarted[0] not in stored  # the run the restart killed
    assert not list((cache / "cache" / "runs").glob(".*"))
    trained = []
    monkeypatch.setattr(grids._Progress, "finished", lambda self, config: trained.append(config))
    monkeypatch.setattr(grids._Progress, "started", lambda self, config: None)
    with grids.dask_executor(local.scheduler_address) as (executor, threads):  # run it again
        run_grid(configs, executor=executor, workers=threads, progress=True)
    assert sorted(c.seed for c in trained) == sorted(c.seed for c in configs if c not in stored)
    assert all(is_cached(c) for c in configs)


def test_a_failing_run_on_dask_surfaces_its_own_error(cache, cluster, tmp_path):
    from w2vcnn._io import DataError
    from w2vcnn.experiments import RunConfig

    local, _ = cluster
    broken = tmp_path / "vec.txt"
    broken.write_text("3 16\ngood 0.1\n")  # truncated: one number where 16 are due
    bad = RunConfig(**QUICK, mode="static", init=str(broken), seed=51)
    with grids.dask_executor(local.scheduler_address) as (executor, threads):
        with pytest.raises(DataError, match="vec.txt"):
            run_grid([bad], executor=executor, workers=threads, progress=False)
    assert not is_cached(bad)


def test_the_cli_names_a_scheduler_that_does_not_answer(capsys, monkeypatch):
    # a second of trying, not the ten the CLI waits for a scheduler that is starting
    monkeypatch.setattr(grids, "dask_executor", functools.partial(grids.dask_executor, timeout=1))
    argv = ["--profile", "quick", "grid", "--scheduler", "tcp://127.0.0.1:9", "--modes", "rand"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no Dask scheduler answered at tcp://127.0.0.1:9")
    assert len(err.strip().splitlines()) == 1
