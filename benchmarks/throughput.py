"""Training throughput of Kim's CNN on rt-polarity: length buckets vs padding to the longest
sentence.

Prints sentences/second for one epoch of each, PyTorch and Keras, and the bucketing speed-up
(target >= 2x). A measurement, not a test: numbers depend on the machine; run `make bench`.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from w2vcnn.experiments import RunConfig, prepare  # noqa: E402
from w2vcnn.models import build_model  # noqa: E402
from w2vcnn.train import TrainSettings, fit  # noqa: E402


def sentences_per_second(backend: str, bucket: bool, config: RunConfig) -> float:
    start = prepare(config)
    model = build_model(
        backend,
        "cnn",
        config.mode,
        start.matrix,
        start.dataset.n_classes,
        seed=0,
        maps=config.feature_maps,
    )
    parts = start.parts
    result = fit(
        model,
        parts["train"],
        parts["dev"],
        parts["test"],
        TrainSettings(max_epochs=1, patience=1, bucket=bucket),
    )
    return result.sentences_per_second


def main() -> None:
    config = RunConfig(mode="rand", init="random").validated()  # 300-d, 3 x 100 maps, batch 50
    print(
        f"Kim CNN, {config.mode}, {config.vector_size}-d, rt-polarity train split, one epoch, "
        f"{os.cpu_count()} CPU cores"
    )
    print(f"{'backend':8} {'padded to longest':>18} {'length buckets':>15} {'speed-up':>9}")
    for backend in ("torch", "keras"):
        padded = sentences_per_second(backend, False, config)
        bucketed = sentences_per_second(backend, True, config)
        print(
            f"{backend:8} {padded:15,.0f}/s {bucketed:12,.0f}/s {bucketed / padded:8.2f}x",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
