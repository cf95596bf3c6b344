"""The machine a number was measured on: its CPU, its measured matrix-multiply peak (sgemm) and
the versions of the libraries that computed it. A build time or a throughput means little
without them (:mod:`w2vcnn.build` records them with every build)."""

from __future__ import annotations

import time
from pathlib import Path


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
    """The CPU's model (``cpu``), ``cores`` and ``vector_extensions``, and its measured sgemm
    GFLOP/s on one thread (``sgemm_1_thread``) and on every core (``sgemm_all_cores``): what a
    build time or a throughput means depends on them (:func:`w2vcnn.tables.machine_in_words`
    says them)."""
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
        "cpu": model,
        "cores": cores,
        "vector_extensions": " ".join(simd) or "unknown",
        "sgemm_1_thread": round(sgemm_gflops(1), 1),
        "sgemm_all_cores": round(sgemm_gflops(cores), 1),
    }


def environment() -> dict:
    """Versions of what produced the numbers, and the machine (:func:`machine`, measured now), by
    name (:func:`w2vcnn.tables.environment_table` shows them)."""
    import importlib.metadata as metadata
    import platform

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
    return facts
