"""What ``make book`` runs before the pages: every chapter's runs on one schedule, the record of
how long that took, and the digest that says when the pages must be executed again.

The Results chapter shows :func:`build_times` beside :func:`w2vcnn.machine.environment`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from pathlib import Path

from . import cache, study
from ._io import atomic_write
from .experiments import is_cached, load_result
from .grids import run_grid
from .machine import machine
from .profile import Profile
from .protocol import ours


def train_all(p: Profile, workers: int = 1, report=print, executor=None):
    """Train every run the chapters use, all chapters on one schedule, ``workers`` processes.

    Word vectors are trained first, and each run starts as soon as its vectors exist, longest
    first (:func:`~w2vcnn.grids.run_grid`). ``report`` gets one line per chapter at the end. When
    anything was trained, the record for :func:`build_times` keeps the wall-clock minutes, the
    core-minutes (minutes x workers, one thread each), the machine (:func:`machine`) and, per
    chapter, the minutes its runs took (a run two chapters share counts in the first). Returns
    the per-chapter table. ``executor``: train on it, ``workers`` at a time (a Dask cluster:
    :func:`w2vcnn.grids.dask_executor`); the machine recorded is then this one, the driver.
    """
    import pandas as pd

    chapters = {
        chapter: [c.validated() for c in configs]
        for chapter, configs in study.chapter_grids(p).items()
    }
    claimed, rows = set(), []
    for chapter, configs in chapters.items():
        unique = set(configs) - claimed
        claimed |= unique
        rows.append({"chapter": chapter, "runs": len(set(configs)), "new": unique})
    to_train = {c for row in rows for c in row["new"] if not is_cached(c)}
    start = time.perf_counter()
    frame = run_grid(
        [c for configs in chapters.values() for c in configs],
        workers=workers,
        desc="book",
        executor=executor,
        groups=chapters,  # a live bar per chapter
    )
    minutes = time.perf_counter() - start
    seconds = dict(zip(frame["run_id"], frame["wall_seconds"]))
    for row in rows:
        computed = [c for c in row.pop("new") if c in to_train]
        # a run read from another run's training (the patience rule's, from Kim's) took no time
        row["trained"] = sum(seconds[c.key] > 0 for c in computed)
        row["run minutes"] = sum(seconds[c.key] for c in computed) / 60
        report(f"{row['chapter']:24} {row['runs']:5} {row['trained']:8} {row['run minutes']:8.1f}")
    table = pd.DataFrame(rows).set_index("chapter")
    if to_train:
        record = {
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            "workers": workers,
            "executor": "local processes" if executor is None else type(executor).__name__,
            "wall minutes": minutes / 60,
            "core minutes": minutes / 60 * workers,
            "machine": machine(),
            "chapters": rows,
        }
        with atomic_write(_build_times_path(p), "w") as out:
            json.dump(record, out, indent=1)
    return table


def used_entries(p: Profile) -> set[tuple[str, str]]:
    """The cache entries the book of profile ``p`` (with its vectors) reads, as ``(kind, name)``:
    every run a chapter asks for, and the word vectors those runs (the finished ones) started
    from. Every set of vectors a page reads is one its runs start from."""
    keys = {c.validated().key for configs in study.chapter_grids(p).values() for c in configs}
    used = {("runs", key) for key in keys}
    for key in keys:
        if cache.has_run(key):
            vectors = cache.read_run(key).get("vectors") or {}
            if vectors.get("path") and vectors.get("corpus") is not None:  # trained here
                used.add(("word2vec", Path(vectors["path"]).parent.name))
    return used


def cache_report(p: Profile, prune: bool = False, dry_run: bool = False) -> str:
    """What the cache holds, how much of it the book of profile ``p`` uses, and with ``prune``
    the unused entries removed (listed only, with ``dry_run``). An incomplete vectors entry
    (no ``meta.json`` yet: perhaps being written) is never removed, nor any set of word vectors
    while some of the book's runs are not trained yet (they may be about to read it)."""
    entries = cache.entries()
    incomplete = [e for e in entries if not e.complete]
    used = used_entries(p)
    untrained = sum(kind == "runs" and not cache.has_run(key) for kind, key in used)
    unused = [
        e
        for e in entries
        if (e.kind, e.name) not in used and e.complete and not (untrained and e.kind == "word2vec")
    ]
    lines = [f"{cache.cache_dir()}: {_sizes(entries)}"]
    book = f"the {p.name} book" + (f" on {Path(p.vectors).name}" if p.vectors else "")
    lines.append(f"{book} uses {_sizes([e for e in entries if (e.kind, e.name) in used])}")
    if prune:
        for entry in unused:
            if not dry_run:
                cache.remove(entry)
            lines.append(f"{'would remove' if dry_run else 'removed'} {entry.kind}/{entry.name}")
        verb = "would free" if dry_run else "freed"
        lines.append(f"{verb} {_gigabytes(sum(e.size for e in unused))} ({len(unused)} entries)")
        if not dry_run:
            lines.append(f"{cache.cache_dir()} now: {_sizes(cache.entries())}")
    elif unused:
        lines.append(f"unused: {_sizes(unused)}; remove them with: python -m w2vcnn cache prune")
    if untrained:
        lines.append(f"{untrained} of the book's runs are not trained yet: word vectors kept")
    if incomplete:
        lines.append(f"{len(incomplete)} incomplete word-vector entries left alone")
    return "\n".join(lines)


def _sizes(entries) -> str:
    runs = [e for e in entries if e.kind == "runs"]
    vectors = [e for e in entries if e.kind == "word2vec"]
    return (
        f"{len(runs)} runs ({_gigabytes(sum(e.size for e in runs))}), "
        f"{len(vectors)} sets of word vectors ({_gigabytes(sum(e.size for e in vectors))})"
    )


def _gigabytes(size: int) -> str:
    return f"{size / 1e9:.2f} GB"


def build_times(p: Profile):
    """Per chapter, the runs and the minutes they took in the last :func:`train_all` that trained
    anything in this profile (empty if none did); ``.attrs`` holds when it finished, its workers,
    the wall-clock and core minutes, and the machine it ran on."""
    import pandas as pd

    path = _build_times_path(p)
    if not path.is_file():
        return pd.DataFrame(columns=["runs", "trained", "run minutes"]).rename_axis("chapter")
    record = json.loads(path.read_text())
    if "sgemm_1_thread" not in record["machine"]:  # written before the facts had names: stale
        return pd.DataFrame(columns=["runs", "trained", "run minutes"]).rename_axis("chapter")
    table = pd.DataFrame(record.pop("chapters")).set_index("chapter")
    table.attrs.update(record)
    return table


def experiment_minutes(p: Profile):
    """Per experiment of the catalogue (:data:`w2vcnn.study.EXPERIMENTS`), what its runs cost
    when they were trained, read from the cache: the runs it lists, how many of them were trained
    (the others read from another run's training), their minutes, and gensim's minutes for the
    sets of word vectors its runs were the first to use. A run or a set of vectors that two
    experiments share counts in the first; one not in the cache counts nowhere."""
    import pandas as pd

    seen_runs, seen_vectors, rows = set(), set(), []
    for name, experiment in study.EXPERIMENTS.items():
        configs = list(dict.fromkeys(c.validated() for c in experiment(p)))
        new = [c for c in configs if c not in seen_runs and is_cached(c)]
        seen_runs.update(new)
        seconds = [load_result(c.key).wall_seconds for c in new]
        vectors = {c.vectors_key: c.init for c in new if c.trains_word2vec}
        vectors = {key: init for key, init in vectors.items() if key not in seen_vectors}
        seen_vectors.update(vectors)
        metas = [
            cache.read_vectors_meta(cache.vectors_dir(init, key)) for key, init in vectors.items()
        ]
        rows.append(
            {
                "experiment": name,
                "runs": len(configs),
                "trained": sum(s > 0 for s in seconds),
                "run minutes": sum(seconds) / 60,
                "vector sets": sum(m is not None for m in metas),
                "vector minutes": sum(m["training_seconds"] for m in metas if m) / 60,
            }
        )
    return pd.DataFrame(rows).set_index("experiment")


def inputs_digest(p: Profile) -> str:
    """A digest of what the book's pages show: the profile, the package's source and the runs in the
    cache. ``make book`` rebuilds the pages from scratch when it changes, because executed notebooks
    are cached by their own text only and would otherwise keep showing old numbers."""
    digest = hashlib.sha256(repr(p).encode())  # the name, the sizes, the reader's vectors file
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    digest.update("\n".join(cache.run_names()).encode())
    return digest.hexdigest()


def _build_times_path(p: Profile) -> Path:
    name = p.name
    if p.vectors is not None:  # a book built on the reader's vectors keeps its own record
        name += "-" + hashlib.sha256(p.vectors.encode()).hexdigest()[:12]
    if not ours(p):  # and one built on the reader's datasets
        name += "-" + hashlib.sha256("\0".join(p.datasets).encode()).hexdigest()[:12]
    return cache.cache_dir() / f"build-times-{name}.json"
