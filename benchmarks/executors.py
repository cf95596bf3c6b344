"""When does a cluster pay? The same quick-profile grid trained three ways, each into an empty data
folder: serially in this process, on the local pool (2 one-thread processes), and on a Dask
``LocalCluster`` (2 worker processes, 1 thread each; needs the dask extra).

Prints the wall time of each, the runs' own compute time, and per run what the driver pays to
receive and store a result: the bytes a worker ships back (pickled result and arrays) and the
seconds to pickle, unpickle and write them.
"""

import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from w2vcnn import cache, grids, study  # noqa: E402
from w2vcnn.experiments import load_result  # noqa: E402
from w2vcnn.profile import named  # noqa: E402

WORKERS = 2


def quick_grid():
    p = named("quick")
    return study.embedding_modes(p) + study.classifiers(p)


def timed(label, train, folder):
    os.environ["W2VCNN_DATA"] = str(folder)
    shared = Path(tempfile.gettempdir()) / "rotten_tomatoes_corpus_full.csv"
    (folder / "rt").mkdir(parents=True)
    (folder / "rt" / shared.name).symlink_to(shared)
    began = time.perf_counter()
    frame = train()
    wall = time.perf_counter() - began
    print(
        f"{label:28} {wall:7.1f} s wall for {len(frame)} runs "
        f"({frame['wall_seconds'].sum():6.1f} s of run compute)"
    )
    return frame


def shipping_cost(frame, folder):
    """Bytes and seconds the driver spends per run on a worker's result: pickle, unpickle, store."""
    outcomes = []
    for run_id in frame["run_id"]:
        result = load_result(run_id)
        result.cached = False
        outcomes.append((result, result.arrays() or None))
    os.environ["W2VCNN_DATA"] = str(folder / "store")
    sizes, seconds = [], []
    for outcome in outcomes:
        began = time.perf_counter()
        payload = pickle.dumps(outcome)
        received, arrays = pickle.loads(payload)
        cache.write_run(received.run_id, received.record(), arrays)
        seconds.append(time.perf_counter() - began)
        sizes.append(len(payload))
    return sizes, seconds


def main() -> None:
    from w2vcnn._io import data_dir
    from w2vcnn.data import rotten_tomatoes_rows

    rotten_tomatoes_rows()
    csv = data_dir() / "rt" / "rotten_tomatoes_corpus_full.csv"
    shared = Path(tempfile.gettempdir()) / csv.name
    if not shared.exists():
        shutil.copy(csv, shared)
    configs = quick_grid()
    root = Path(tempfile.mkdtemp(prefix="w2vcnn-executors-"))
    try:
        frame = timed(
            "serial, this process", lambda: grids.run_grid(configs, progress=False), root / "a"
        )
        timed(
            f"local pool, {WORKERS} processes",
            lambda: grids.run_grid(configs, workers=WORKERS, progress=False),
            root / "b",
        )
        try:
            from distributed import LocalCluster
        except ImportError:
            print('Dask LocalCluster: skipped (pip install ".[dask]")')
        else:
            os.environ["W2VCNN_DATA"] = str(root / "c")
            with LocalCluster(
                n_workers=WORKERS, threads_per_worker=1, dashboard_address=None
            ) as cluster:
                with grids.dask_executor(cluster.scheduler_address) as (executor, threads):
                    timed(
                        f"Dask LocalCluster, {WORKERS} workers",
                        lambda: grids.run_grid(
                            configs, executor=executor, workers=threads, progress=False
                        ),
                        root / "c",
                    )
        os.environ["W2VCNN_DATA"] = str(root / "a")
        fine_tuned = frame[frame["mode"].isin(["rand", "non-static", "multichannel"])]
        sizes, seconds = shipping_cost(fine_tuned, root)
        print(
            f"per fine-tuned run shipped to the driver: {sum(sizes) / len(sizes) / 1e6:.1f} MB "
            f"(largest {max(sizes) / 1e6:.1f} MB), {1000 * sum(seconds) / len(seconds):.0f} ms "
            "to pickle, unpickle and store"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
