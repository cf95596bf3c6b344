"""Many runs at once: a grid of configs, run (in parallel if asked) and returned as one table.

Not part of any run's cache key: how runs are scheduled cannot change what they compute.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import multiprocessing
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from . import cache, protocol
from . import profile as profiles
from ._io import atomic_write
from .experiments import RunConfig, RunResult, compute, is_cached, load_result, run
from .records import run_row, variant
from .splits import Split

# Threading libraries (torch, TensorFlow, BLAS) read these when they start: one thread per worker
# process, so N workers share N cores instead of each spawning a thread per core.
ONE_THREAD = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "TF_NUM_INTRAOP_THREADS",
        "TF_NUM_INTEROP_THREADS",
    )
}


def grid(
    seeds=None, profile: str | profiles.Profile = "full", folds=None, **axes
) -> list[RunConfig]:
    """Configs for every combination of the list-valued ``axes``, every seed and every test fold
    of the profile (its headline ``folds`` unless ``folds`` says otherwise; with a ``holdout``
    split there is only fold 0).

    ``grid(mode=["static", "non-static"], init=["skipgram", "cbow"])`` gives 2 x 2 x seeds x folds
    configs, sized by ``profile`` (a :class:`~w2vcnn.profile.Profile` or its name); a dataset
    whose files come split keeps its split, with seeds where the folds would be
    (:func:`w2vcnn.protocol.split_of`);
    ``mode="rand"`` pairs itself with ``init="random"``. Scalar axes are fixed settings; for
    ``corpus`` and ``windows`` (tuple-valued) pass a list of tuples to make an axis.
    """
    p = profile if isinstance(profile, profiles.Profile) else profiles.named(profile)
    seeds = p.seeds if seeds is None else seeds
    folds = p.folds if folds is None else folds
    names = list(axes)
    # a list is an axis; so is a tuple, except for the tuple-valued settings corpus and windows
    values = [
        v
        if isinstance(v, list) or (isinstance(v, tuple) and name not in ("corpus", "windows"))
        else [v]
        for name, v in axes.items()
    ]
    configs, seen = [], set()
    for combo in itertools.product(*values):
        setting = dict(zip(names, combo))
        if setting.get("mode") == "rand":
            setting["init"] = "random"
        elif setting.get("init") == "random":
            continue
        if "split" not in setting:
            setting["split"] = protocol.split_of(p, setting.get("dataset", RunConfig.dataset))
        for seed, fold in _draws(setting["split"], seeds, folds):
            config = RunConfig.for_profile(p, seed=seed, fold=fold, **setting)
            if config not in seen:
                seen.add(config)
                configs.append(config)
    return configs


def _draws(split: str, seeds, folds) -> list[tuple[int, int]]:
    """``(seed, fold)`` of each run: every seed on every test fold for k-fold; one fold (0) of a
    holdout split; on a given split, seed ``seed + fold`` where fold ``fold`` would be, so a
    grid asks for as many runs, paired by seed (:mod:`w2vcnn.protocol`)."""
    if split == Split.KFOLD:
        return list(itertools.product(seeds, folds))
    if split == Split.GIVEN:
        return list(dict.fromkeys((seed + fold, 0) for seed in seeds for fold in folds))
    return [(seed, 0) for seed in seeds]


def run_grid(
    configs,
    use_cache: bool = True,
    progress: bool = True,
    workers: int = 1,
    desc: str = "runs",
    executor: Executor | None = None,
    groups: Mapping[str, Sequence[RunConfig]] | None = None,
):
    """Run every config (cached ones are read, not retrained) -> a DataFrame, one row per run.

    ``workers > 1`` trains the missing runs in that many processes of one thread each: on a small
    CPU model that beats one process using every core. ``executor``: train them on any
    ``concurrent.futures.Executor`` instead, ``workers`` at a time (e.g. a Dask cluster's
    ``client.get_executor()`` and its number of worker threads); each task sets one thread for
    itself. Workers only compute: this process stores every run and every set of word vectors in
    its own cache. The numbers are the same runs either way, equal up to floating-point summation
    order. A grid stopped halfway resumes where it stopped: each finished run is already in the
    cache. ``progress`` reports the runs that must be
    trained, under ``desc``: a live bar where someone watches (a terminal, a notebook), one line
    per finished run elsewhere (a CI log); nothing when every run is cached. ``groups`` (name ->
    configs, e.g. a book's chapters) gives one bar per group instead, a run counting in each group
    that lists it.
    """
    import pandas as pd

    configs = [c.validated() for c in configs]
    # dict.fromkeys: a config listed twice (chapters' grids overlap) is trained once
    missing = [c for c in dict.fromkeys(configs) if not (use_cache and is_cached(c))]
    report = _Progress(missing, desc, groups) if progress and missing else None
    fresh = {}
    try:
        if missing and (workers > 1 or executor is not None):
            _train_in_parallel(missing, workers, report, executor)
        else:
            reading = read_from_one_training(missing)
            for config in missing:
                if reading.get(config) == ():
                    continue  # trained in the run that reads it
                if report:
                    report.started(config)
                if reading.get(config):
                    results = [result for result, _ in _compute_and_store(config, reading[config])]
                else:
                    results = [run(config, use_cache=use_cache)]
                for result in results:
                    fresh[result.config] = result
                    if report:
                        report.finished(result.config)
    finally:
        if report:
            report.close()
    return pd.DataFrame([run_row(fresh.get(c) or run(c)) for c in configs])


def run_groups(groups: Mapping[str, Sequence[RunConfig]], column: str = "group", **options):
    """:func:`run_grid` over every group's configs, with a ``column`` naming each run's group.

    Chapters compare groups by that name (``paired_table(frame, ..., by=column)``), so runs are
    selected by the configs that define them, never by parsing a label.
    """
    frame = run_grid([c for configs in groups.values() for c in configs], **options)
    return frame.assign(**{column: [name for name, configs in groups.items() for _ in configs]})


def read_from_one_training(configs: Sequence[RunConfig]) -> dict[RunConfig, tuple[RunConfig, ...]]:
    """Which of ``configs`` are one training read under several stopping rules: for each run that
    trains every epoch (``patience=None``, Kim's regime), the runs of ``configs`` that are it
    stopped earlier (:meth:`RunConfig.stops_early_within`), and for each of those, ``()``: it is
    computed in that run's training (:func:`w2vcnn.experiments.compute`), not on its own.
    Every other config is absent."""
    by_run: dict[RunConfig, list[RunConfig]] = {}
    for config in configs:
        if config.patience is None and not config.is_baseline:
            by_run.setdefault(dataclasses.replace(config, max_epochs=0), []).append(config)
    plan: dict[RunConfig, tuple[RunConfig, ...]] = {}
    for config in configs:
        if config.patience is None:
            continue
        same_run = dataclasses.replace(config, max_epochs=0, patience=None)
        within = [c for c in by_run.get(same_run, ()) if config.stops_early_within(c)]
        if within:
            plan[within[0]] = (*plan.get(within[0], ()), config)
            plan[config] = ()
    return plan


def _compute_and_store(config: RunConfig, stopped_early=()) -> list:
    """Compute ``config`` (and the runs it gives under earlier stopping rules) and store each."""
    computed = compute(config, stopped_early)
    for outcome in computed:
        _store_run(*outcome)
    return computed


def load_results(frame) -> list[RunResult]:
    """The cached :class:`RunResult` of every row (``run_id`` column) of a grid's DataFrame."""
    return [load_result(run_id) for run_id in frame["run_id"]]


class _Progress:
    """Runs done of those to train, per group (a book's chapters; else one group, ``desc``): a
    live tqdm bar per group, with the run being trained, where someone watches (a terminal, a
    notebook); else one line per finished run."""

    def __init__(self, missing: Sequence[RunConfig], desc: str, groups=None):
        self.total, self.desc, self.done = len(missing), desc, 0
        todo = set(missing)
        groups = groups or {desc: missing}
        self.groups = {name: set(configs) & todo for name, configs in groups.items()}
        self.bars = {}
        if sys.stderr.isatty() or "ipykernel" in sys.modules:
            from tqdm import tqdm

            width = max(map(len, self.groups))
            for position, (name, members) in enumerate(self.groups.items()):
                if members:
                    self.bars[name] = tqdm(
                        total=len(members), desc=name.ljust(width), unit="run", position=position
                    )

    def _bars_of(self, config: RunConfig):
        return [bar for name, bar in self.bars.items() if config in self.groups[name]]

    def started(self, config: RunConfig) -> None:
        for bar in self._bars_of(config):
            bar.set_postfix_str(_which(config))

    def finished(self, config: RunConfig) -> None:
        self.done += 1
        for bar in self._bars_of(config):
            bar.update()
        if not self.bars:
            print(
                f"{self.desc}: {self.done}/{self.total} trained ({_which(config)})",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _which(config: RunConfig) -> str:
    """``"cnn static skipgram torch, rt-polarity fold 3"``: a run, for a progress line."""
    where = f"fold {config.fold}" if config.split == Split.KFOLD else f"seed {config.seed}"
    return f"{variant(config)}, {protocol.name_of(config.dataset, config.max_examples)} {where}"


def _train_in_parallel(
    missing: list[RunConfig],
    workers: int,
    report: "_Progress | None",
    executor: Executor | None = None,
) -> None:
    """One schedule for every run: a worker that frees up takes the next set of word vectors to
    train if any (runs wait for them), else the longest run whose vectors exist.

    Workers compute; this process (the driver) stores. A run comes back as its result and arrays
    and is written to the driver's cache here, so a worker on another machine never needs the
    driver's disk. Word vectors come back as their files and are stored under the same content
    key; a run task carries them to a worker that lacks them (``executor`` given), and a run's
    record names the driver's copy. ``executor``: any ``concurrent.futures.Executor`` (a Dask
    ``client.get_executor()``, say) with ``workers`` tasks in flight; None: a spawn pool of
    ``workers`` one-thread processes on this machine, which share its cache.
    """
    reading = read_from_one_training(missing)
    waiting: dict[str, list[RunConfig]] = {}  # runs by the vectors they wait for
    ready = []
    for config in missing:
        if reading.get(config) == ():
            continue  # trained in the run that reads it
        if config.trains_word2vec:
            waiting.setdefault(config.vectors_key, []).append(config)
        else:
            ready.append(config)
    # one job per distinct set of vectors: two runs that share them must not both train them
    vector_jobs = [configs[0] for configs in waiting.values()]
    shipped: dict[str, tuple] = {}  # the vectors a run task carries, when workers are remote
    own = executor is None
    if own:
        # spawn, not fork: forking a process that already runs torch or TensorFlow threads can hang
        executor = ProcessPoolExecutor(
            min(workers, len(missing)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_one_thread,
        )
    running = {}  # future -> (the config, whether it trains vectors)

    def collect(future) -> None:
        """Store what a finished future computed (a failed one raises its own error)."""
        config, is_vectors = running.pop(future)
        outcome = future.result()
        if is_vectors:
            if not own:  # the pool's processes share this cache: only workers elsewhere ship them
                store_vectors(*outcome)
                shipped[config.vectors_key] = outcome
            ready.extend(waiting.pop(config.vectors_key))
        else:
            for result, arrays in outcome:
                _store_run(result, arrays)
                if report:
                    report.finished(result.config)

    try:
        while vector_jobs or ready or running:
            while len(running) < workers and (vector_jobs or ready):
                if vector_jobs:
                    job = vector_jobs.pop(0)
                    running[executor.submit(_vectors_task, job, not own)] = (job, True)
                else:
                    ready.sort(key=_expected_cost)
                    job = ready.pop()
                    vectors = None if own else shipped.get(job.vectors_key)
                    task = executor.submit(_compute_task, job, vectors, reading.get(job, ()))
                    running[task] = (job, False)
                    if report:
                        report.started(job)
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            # successes first: a run that finished beside a failing one is kept
            for future in sorted(done, key=lambda f: f.cancelled() or f.exception() is not None):
                collect(future)
    except BaseException as failure:
        # start nothing new; finish and keep what is already running (cancel() works with every
        # executor, where shutdown(cancel_futures=True) does not)
        for future in list(running):
            if future.cancel():
                running.pop(future)
        for future in list(running):
            with contextlib.suppress(Exception):  # a second Ctrl-C still stops the wait
                collect(future)
        if isinstance(failure, BrokenProcessPool):
            raise RuntimeError(
                "a grid worker process died before finishing its run. In a script, call "
                'run_grid(..., workers>1) under `if __name__ == "__main__":` (each worker '
                "starts by importing your script); otherwise look for the worker's error above"
            ) from failure
        raise
    finally:
        if own:
            executor.shutdown(wait=True)


@contextlib.contextmanager
def dask_executor(address: str, timeout: float = 10.0):
    """``(executor, threads)`` of the Dask cluster whose scheduler listens at ``address`` (e.g.
    ``tcp://host:8786``), for ``run_grid(configs, executor=executor, workers=threads)``.

    Needs the ``dask`` extra (``pip install ".[dask]"``) on this machine and on every worker, with
    this package installed. Start a cluster with ``dask scheduler`` on one machine and
    ``dask worker tcp://host:8786 --nthreads 1 --nworkers N`` on each of the others (one thread per
    worker process, as each task sets for itself anyway).
    """
    try:
        from distributed import Client
    except ImportError as err:
        raise ValueError('a Dask scheduler needs Dask installed: pip install ".[dask]"') from err
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as err:
        raise ValueError(f"no Dask scheduler answered at {address} ({err})") from err
    with client:
        yield client.get_executor(), max(1, sum(client.nthreads().values()))


def _vectors_task(config: RunConfig, ship: bool = True) -> tuple[str, dict[str, bytes]] | None:
    """On a worker: train (or find) ``config``'s word vectors; with ``ship``, their cache entry's
    name and files (a pool sharing the driver's cache needs neither)."""
    _one_thread()
    from .experiments import dataset_of, pretrain, word2vec_vectors

    if not ship:
        pretrain(config)
        return None
    _, meta = word2vec_vectors(dataset_of(config), config)
    folder = Path(meta["path"]).parent
    return folder.name, {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}


def _compute_task(config: RunConfig, vectors: tuple | None, stopped_early=()):
    """On a worker: the run's result and arrays, and those of the runs it gives under earlier
    stopping rules (:func:`w2vcnn.experiments.compute`), after storing the ``vectors`` it was
    sent where this machine lacks them."""
    _one_thread()
    from .experiments import compute

    if vectors is not None:
        store_vectors(*vectors)
    return compute(config, stopped_early)


def store_vectors(name: str, files: dict[str, bytes]) -> Path:
    """Store a word-vector entry (``word2vec/<name>/``) sent by a worker; an entry already
    complete is kept. Each file is written atomically, ``meta.json`` last: an interrupted store
    leaves an entry that counts as absent, never a half-written one that counts as present."""
    folder = cache.cache_dir() / "word2vec" / name
    if cache.read_vectors_meta(folder) is None:
        folder.mkdir(parents=True, exist_ok=True)
        for file_name in sorted(files, key=lambda n: n == "meta.json"):
            with atomic_write(folder / file_name, "wb") as out:
                out.write(files[file_name])
    return folder


def _store_run(result: RunResult, arrays) -> None:
    """Store a run computed by a worker, its vectors' path pointing at the driver's copy."""
    if result.vectors and result.config.trains_word2vec:
        folder = cache.cache_dir() / "word2vec" / Path(result.vectors["path"]).parent.name
        result.vectors["path"] = str(folder / "vec.bin")
    cache.write_run(result.run_id, result.record(), arrays)


def _one_thread() -> None:
    """A worker process's first act: one thread for torch, TensorFlow and BLAS.

    torch and TensorFlow read the environment variables when they are first imported, which in a
    worker happens later, inside a run; BLAS libraries already loaded are limited directly.
    Only the worker's own environment is changed, never the caller's.
    """
    os.environ.update(ONE_THREAD)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _expected_cost(config: RunConfig) -> float:
    """A rough relative training time, so the longest runs start first and the workers finish
    together: the CNN's convolution work per word (two channels in multichannel; no gradient for
    the words when frozen) times the epochs; CBOW and TF-IDF cost next to nothing."""
    if config.arch != "cnn":
        return 0.01 * config.max_epochs
    channels = 2 if config.mode == "multichannel" else 1
    passes = 2 if config.mode == "static" else 3  # forward, weight gradient, word gradient
    per_word = sum(config.windows) * config.vector_size * channels * config.feature_maps
    return per_word * passes * config.max_epochs * 1e-6
