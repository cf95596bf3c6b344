"""Training speed on whatever device this machine gives each backend (a CUDA GPU when PyTorch or
TensorFlow sees one, else the CPU): Kim's CNN on rt-polarity, full-profile sizes, two epochs, in
every mode, for PyTorch and Keras. Prints the device each run used and its sentences/s.

Nothing is cached (``compute``, not ``run``): the numbers are this machine's, now.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from w2vcnn.experiments import RunConfig, compute, pretrain  # noqa: E402
from w2vcnn.models import MODES  # noqa: E402


def main() -> None:
    print(f"{'backend':8} {'mode':13} {'device':7} {'sentences/s':>12}")
    for backend in ("torch", "keras"):
        for mode in MODES:
            config = RunConfig.for_profile(
                "full",
                backend=backend,
                mode=mode,
                init="random" if mode == "rand" else "skipgram",
                max_epochs=2,
                patience=2,
            )
            pretrain(config)  # word vectors are cached; their training is not timed here
            (result, _), *_ = compute(config)
            print(f"{backend:8} {mode:13} {result.device:7} {result.sentences_per_second:12,.0f}")


if __name__ == "__main__":
    sys.exit(main())
