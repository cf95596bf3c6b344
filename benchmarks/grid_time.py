"""Wall time of the full-profile rt-polarity grid, read from the run cache (it trains what is
missing).

Prints one line per variant: runs, mean test accuracy, mean training time per run, and the total.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from w2vcnn.grids import grid, run_grid  # noqa: E402


def main() -> None:
    configs = grid(
        profile="full",
        dataset="rt-polarity",
        arch="cnn",
        backend="torch",
        mode=["rand", "static", "non-static", "multichannel"],
        init=["skipgram", "cbow"],
    )
    frame = run_grid(configs)
    table = frame.groupby("variant").agg(
        runs=("run_id", "size"),
        accuracy=("test_accuracy", "mean"),
        seconds=("wall_seconds", "mean"),
        epochs=("epochs_run", "mean"),
    )
    print(table.to_string(float_format=lambda x: f"{x:.3f}"))
    print(f"total: {frame['wall_seconds'].sum() / 60:.1f} min of training for {len(frame)} runs")


if __name__ == "__main__":
    sys.exit(main())
