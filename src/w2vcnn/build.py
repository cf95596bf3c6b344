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


def train_all(p: Profile, workers: int = 1, report=print):
    """Train every run the chapters use, chapter by chapter, ``workers`` processes at a time.

    ``report`` gets one line per chapter as it finishes. When anything was trained, the wall-clock
    minutes per chapter are recorded for :func:`build_times` (a run two chapters share counts in
    the first). Returns the per-chapter table.
    """
    import pandas as pd

    rows, start = [], time.perf_counter()
    for chapter, configs in study.chapter_grids(p).items():
        began = time.perf_counter()
        unique = set(configs)
        trained = sum(not is_cached(c) for c in unique)
        run_grid(configs, workers=workers, desc=chapter)
        rows.append(
            {
                "chapter": chapter,
                "runs": len(unique),
                "trained": trained,
                "minutes": (time.perf_counter() - began) / 60,
            }
        )
        report(f"{chapter:24} {len(unique):5} {trained:8} {rows[-1]['minutes']:8.1f}")
    table = pd.DataFrame(rows).set_index("chapter")
    if table["trained"].sum():
        record = {
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            "workers": workers,
            "total_minutes": (time.perf_counter() - start) / 60,
            "chapters": rows,
        }
        with atomic_write(_build_times_path(p), "w") as out:
            json.dump(record, out, indent=1)
    return table


def build_times(p: Profile):
    """Wall-clock minutes per chapter of the last :func:`train_all` that trained anything in this
    profile (empty if none did); ``.attrs`` holds when it finished, its workers and its total."""
    import pandas as pd

    path = _build_times_path(p)
    if not path.is_file():
        return pd.DataFrame(columns=["runs", "trained", "minutes"]).rename_axis("chapter")
    record = json.loads(path.read_text())
    table = pd.DataFrame(record.pop("chapters")).set_index("chapter")
    table.attrs.update(record)
    return table


def inputs_digest(p: Profile) -> str:
    """A digest of what the book's pages show: the profile, the package's source and the runs in the
    cache. ``make book`` rebuilds the pages from scratch when it changes, because executed notebooks
    are cached by their own text only and would otherwise keep showing old numbers."""
    digest = hashlib.sha256(p.name.encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    digest.update("\n".join(cache.run_names()).encode())
    return digest.hexdigest()


def _build_times_path(p: Profile) -> Path:
    return cache.cache_dir() / f"build-times-{p.name}.json"


def environment():
    """Versions of what produced the numbers, and the machine."""
    import importlib.metadata as metadata
    import os
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
    facts = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "CPU cores": os.cpu_count(),
    }
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
