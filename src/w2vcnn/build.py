"""What ``make book`` runs before the pages: every chapter's runs on one schedule, the record of
how long that took, and the digest that says when the pages must be executed again.

The Results chapter shows :func:`build_times` and :func:`environment`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from pathlib import Path

from . import cache, study
from ._io import atomic_write
from .experiments import is_cached
from .grids import run_grid
from .profile import Profile


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
        trained = [c for c in row.pop("new") if c in to_train]
        row["trained"] = len(trained)
        row["run minutes"] = sum(seconds[c.key] for c in trained) / 60
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
    table = pd.DataFrame(record.pop("chapters")).set_index("chapter")
    table.attrs.update(record)
    return table


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
    return cache.cache_dir() / f"build-times-{name}.json"


def sgemm_gflops(threads: int, n: int = 2048, repeats: int = 3) -> float:
    """This machine's float32 matrix-multiply rate on ``threads`` threads (torch, n x n), the best
    of ``repeats`` timings: the peak a training run's useful FLOP rate is compared with."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(n, n), torch.randn(n, n)
        a @ b  # warm-up
        best = float("inf")
        for _ in range(repeats):
            began = time.perf_counter()
            for _ in range(4):
                a @ b
            best = min(best, (time.perf_counter() - began) / 4)
    finally:
        torch.set_num_threads(before)
    return 2 * n**3 / best / 1e9


def machine() -> dict:
    """The CPU's model, cores and vector extensions, and its measured sgemm GFLOP/s on one thread
    and on all: what a build time or a throughput means depends on them."""
    import os
    import platform

    cores = os.cpu_count() or 1
    model, flags = platform.processor() or platform.machine(), set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    simd = [f for f in ("avx512f", "avx2", "fma", "neon", "asimd") if f in flags]
    return {
        "CPU": model,
        "cores": cores,
        "vector extensions": " ".join(simd) or "unknown",
        "sgemm GFLOP/s, 1 thread": round(sgemm_gflops(1), 1),
        f"sgemm GFLOP/s, {cores} threads": round(sgemm_gflops(cores), 1),
    }


def environment():
    """Versions of what produced the numbers, and the machine (:func:`machine`, measured now)."""
    import importlib.metadata as metadata
    import platform

    import pandas as pd

    packages = (
        "torch",
        "keras",
        "tensorflow-cpu",
        "gensim",
        "numpy",
        "scipy",
        "pandas",
        "scikit-learn",
        "matplotlib",
        "jupyter-book",
        "w2vcnn",
    )
    facts = {"python": platform.python_version(), "platform": platform.platform(), **machine()}
    for name in packages:
        try:
            facts[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            facts[name] = "not installed"
    try:
        import torch

        facts["accelerator"] = (
            torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU)"
        )
    except ImportError:
        pass
    return pd.Series(facts, name="value").to_frame()


def publish_config(
    repository_url: str,
    out: Path,
    branch: str = "main",
    source: Path = Path("_config.yml"),
    notebooks_branch: str | None = None,
) -> Path:
    """``_config.yml`` plus what only a published site can know: the repository's address, its
    repository and issues buttons, and launch buttons (which also make every page offer its
    executed ``.ipynb`` for download), added to ``source`` and written to ``out``, for
    ``make book CONFIG=out``. The deployment workflow passes the address GitHub gives it, so no
    address is written by hand.

    Colab opens only ``.ipynb`` files of a repository. With ``notebooks_branch``, the launch
    buttons point at that branch, where the workflow commits each chapter as a notebook beside
    its ``.md`` (:func:`write_notebooks` into ``book/``); the theme links a page's ``.ipynb`` when
    one lies beside its source at build time, and those notebooks are kept out of the build."""
    import yaml

    if not repository_url.startswith("https://"):
        raise ValueError(f"repository_url must be an https:// address, got {repository_url!r}")
    config = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    config["repository"] = {
        "url": repository_url,
        "branch": notebooks_branch or branch,
        "path_to_book": "",
    }
    if notebooks_branch:
        notebooks = [f"{chapter}.ipynb" for chapter in _chapters(Path(source).parent)]
        config["exclude_patterns"] = [*config.get("exclude_patterns", []), *notebooks]
    config.setdefault("html", {}).update(use_repository_button=True, use_issues_button=True)
    config["launch_buttons"] = {
        "notebook_interface": "classic",
        "colab_url": "https://colab.research.google.com",
    }
    with atomic_write(out, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False, allow_unicode=True)
    return Path(out)


def write_notebooks(
    folder, config: Path = Path("_config.yml"), root: Path = Path(".")
) -> list[Path]:
    """Every chapter of the book at ``root`` (its ``_toc.yml``) as a Jupyter notebook (cells as
    in the chapter, no outputs), for Colab and Jupyter users, written to ``folder``.

    The first cell installs this package from the repository named by ``config``'s
    ``repository.url`` (see :func:`publish_config`), plus myst-nb for the chapters' ``glue``. It
    pins neither torch nor TensorFlow: Colab's own builds stay in place, as pinned installs there
    break with every Colab update.
    """
    import jupytext
    import nbformat
    import yaml

    settings = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    url = (settings.get("repository") or {}).get("url")
    if not url:
        raise ValueError(
            f"{config} has no repository.url: pass the published site's configuration "
            "(build.publish_config), which has"
        )
    chapters = _chapters(Path(root))
    install = nbformat.v4.new_code_cell(f'%pip install -q "w2vcnn @ git+{url}" myst-nb')
    install.metadata["tags"] = ["install"]
    written = []
    folder = Path(folder)
    for chapter in chapters:
        notebook = jupytext.read(Path(root) / f"{chapter}.md")
        notebook.cells.insert(0, install)
        nbformat.validate(notebook)
        path = folder / f"{Path(chapter).name}.ipynb"
        with atomic_write(path, "w", encoding="utf-8") as out:
            nbformat.write(notebook, out)
        written.append(path)
    return written


def _chapters(root: Path) -> list[str]:
    """The book's pages in ``_toc.yml`` order, as paths without suffix (``book/intro``)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [entry["file"] for entry in toc.get("chapters", [])]
