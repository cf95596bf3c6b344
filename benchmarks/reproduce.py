"""Does a second build give the same numbers? Compares the runs of two data folders run by run.

Two ``make book``s (say on two commits whose run keys differ while what a run computes should not,
or one build repeated with ``W2VCNN_DATA`` elsewhere) leave their runs in ``data/cache/runs``.
Runs are matched by their config, and each pair must agree on test and dev accuracy, best epoch,
epochs run, every test prediction and the sha256 of the word vectors it started from; where they
do, every table and plot of the book agrees too, as the pages compute them from those records.
Also prints both builds' training minutes over the runs they share (wall seconds as recorded).

A measurement, not a test: ``python benchmarks/reproduce.py FIRST/data SECOND/data``. Exits 1 when
a shared run differs.
"""

import argparse
import json
import sys
from pathlib import Path

SAME = ("test_accuracy", "dev_accuracy", "best_epoch", "epochs_run", "test_predictions")


def runs_by_config(data: Path) -> dict[str, dict]:
    """Every finished run under ``data`` (a ``W2VCNN_DATA`` folder), keyed by its config; of
    runs with the same config under older keys (code edited since), the last written."""
    runs = {}
    paths = (data / "cache" / "runs").glob("*/result.json")
    for path in sorted(paths, key=lambda path: path.stat().st_mtime):
        record = json.loads(path.read_text())
        runs[json.dumps(record["config"], sort_keys=True)] = record
    return runs


def differences(first: dict, second: dict) -> list[str]:
    """What two records of the same config disagree on."""
    differ = [field for field in SAME if first.get(field) != second.get(field)]
    vectors = [(r.get("vectors") or {}).get("sha256_before") for r in (first, second)]
    if vectors[0] != vectors[1]:
        differ.append("vectors sha256")
    return differ


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path, help="a W2VCNN_DATA folder")
    parser.add_argument("second", type=Path, help="another one")
    args = parser.parse_args(argv)
    first, second = runs_by_config(args.first), runs_by_config(args.second)
    shared = sorted(first.keys() & second.keys())
    print(f"runs: {len(first)} in {args.first}, {len(second)} in {args.second}")
    print(f"shared (the same config): {len(shared)}")
    differing, largest = [], 0.0
    for config in shared:
        a, b = first[config], second[config]
        largest = max(largest, abs(a["test_accuracy"] - b["test_accuracy"]))
        if differ := differences(a, b):
            differing.append((a["run_id"], b["run_id"], differ))
    print(f"identical: {len(shared) - len(differing)} of {len(shared)}")
    print(f"largest test-accuracy difference: {100 * largest:.2f} points")
    for config, label in ((first, "first"), (second, "second")):
        minutes = sum(config[c].get("wall_seconds", 0.0) for c in shared) / 60
        print(f"{label}: {minutes:.1f} run-minutes over the shared runs")
    for a, b, differ in differing:
        print(f"  {a} / {b}: {', '.join(differ)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
