"""Training throughput of Kim's CNN as a share of this machine's peak (``make bench``).

Three thread layouts: one process on one thread; one process on every core; and one one-thread
process per core at once, which is how ``make book`` trains. In each, for both backends and every
mode, it trains rt-polarity's training split (full profile: 100-d vectors, 3 x 100 maps, batches
of 50, length buckets) for three epochs and times the last two (the first builds and traces the
graph). It prints sentences/s and the *useful* FLOP rate as a share of the sgemm peak measured in
the same layout (all processes multiplying at once, in the third).

Useful FLOPs are the non-pad tokens times the CNN's FLOPs per token, counted from the layer
shapes as a convolution computes them: the forward pass, the filters' gradient and, where words
are fine-tuned, the words' gradient (only the fine-tuned channel's in multichannel). Padding, the
embedding, dropout, the optimizer and Python are overhead. PyTorch's CNN computes the two
gradients only where max-pooling let one through (w2vcnn.models.conv_max), a small part of
those FLOPs, so its useful rate can pass the peak: it is the speed of a convolution that would
train as fast. CNN-rand is also timed with every batch padded to the longest
sentence, as a fixed ``input_length`` would do.

A measurement, not a test: numbers depend on the machine and on what else runs on it.
"""

import argparse
import json
import os
import subprocess
import sys

MODES = ("rand", "static", "non-static", "multichannel")
BACKENDS = ("torch", "keras")


def useful_flops_per_token(config) -> float:
    """FLOPs one token costs the CNN's convolutions in training (forward and backward)."""
    channels = 2 if config.mode == "multichannel" else 1
    per_channel = 2 * sum(config.windows) * config.vector_size * config.feature_maps
    trained_channels = 0 if config.mode == "static" else 1
    # forward and filter gradient over every channel; word gradient over the fine-tuned one
    return per_channel * (2 * channels + trained_channels)


def measure(backend: str, mode: str, bucket: bool) -> dict:
    from w2vcnn.experiments import RunConfig, build_classifier, prepare
    from w2vcnn.train import fit

    init = "random" if mode == "rand" else "skipgram"
    config = RunConfig(mode=mode, init=init, backend=backend, max_epochs=3).validated()
    start = prepare(config)
    model = build_classifier(config, start.matrix, start.dataset.n_classes)
    train = start.parts["train"]
    training = config.parts()[3]
    result = fit(model, train, start.parts["dev"], start.parts["test"], training, bucket=bucket)
    seconds = sum(epoch.seconds for epoch in result.curve[1:])
    tokens = sum(len(sentence) for sentence in train[0])
    epochs = len(result.curve) - 1
    return {
        "backend": backend,
        "mode": mode,
        "batches": "buckets" if bucket else "padded",
        "sentences/s": len(train[0]) * epochs / seconds,
        "useful GFLOP/s": tokens * useful_flops_per_token(config) * epochs / seconds / 1e9,
    }


def worker(threads: int, cases: list) -> None:
    """Measure ``cases`` in this process on ``threads`` threads; print one JSON line each."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    import torch

    from w2vcnn.machine import sgemm_gflops

    torch.set_num_threads(threads)
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    print(json.dumps({"sgemm GFLOP/s": sgemm_gflops(threads)}), flush=True)
    for backend, mode, bucket in cases:
        print(json.dumps(measure(backend, mode, bucket)), flush=True)


def run_workers(processes: int, threads: int, cases: list) -> tuple[float, list[dict]]:
    """Start ``processes`` workers at once; their peak and their rates summed over them."""
    command = [sys.executable, __file__, "--worker", str(threads), json.dumps(cases)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    started = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(processes)
    ]
    outputs = []
    for process in started:
        out, _ = process.communicate()
        if process.returncode:
            raise SystemExit(f"a benchmark worker failed (exit {process.returncode})")
        outputs.append([json.loads(line) for line in out.splitlines() if line.startswith("{")])
    peak = sum(lines[0]["sgemm GFLOP/s"] for lines in outputs)
    rows = []
    for rows_of_each in zip(*(lines[1:] for lines in outputs)):
        row = dict(rows_of_each[0])
        for key in ("sentences/s", "useful GFLOP/s"):
            row[key] = sum(r[key] for r in rows_of_each)
        rows.append(row)
    return peak, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--book-only", action="store_true", help="only make book's layout (one process per core)"
    )
    args = parser.parse_args()
    if args.worker:
        return worker(int(args.worker[0]), json.loads(args.worker[1]))
    import pandas as pd

    from w2vcnn.machine import machine

    facts = machine()
    cores = facts["cores"]
    print(f"{facts['cpu']}, {cores} cores, {facts['vector_extensions']}")
    every = [(b, m, True) for b in BACKENDS for m in MODES] + [(b, "rand", False) for b in BACKENDS]
    build_cases = [(b, m, True) for b in BACKENDS for m in ("rand", "non-static")]
    layouts = [
        ("1 process x 1 thread", 1, 1, every),
        (f"1 process x {cores} threads", 1, cores, every),
        (f"{cores} processes x 1 thread (make book)", cores, 1, build_cases),
    ]
    pd.set_option("display.width", 120)
    for name, processes, threads, cases in layouts[2:] if args.book_only else layouts:
        peak, rows = run_workers(processes, threads, cases)
        table = pd.DataFrame(rows).set_index(["backend", "mode", "batches"])
        table["% of peak"] = 100 * table["useful GFLOP/s"] / peak
        torch_rate = table.xs("torch", level="backend")["sentences/s"]
        keras_rate = table.xs("keras", level="backend")["sentences/s"]
        table["keras time / torch"] = (
            (torch_rate / keras_rate).reindex(table.index.droplevel("backend")).to_numpy()
        )
        print(f"\n{name}: sgemm peak {peak:.1f} GFLOP/s")
        print(table.to_string(float_format=lambda x: f"{x:,.1f}"), flush=True)


if __name__ == "__main__":
    sys.exit(main())
