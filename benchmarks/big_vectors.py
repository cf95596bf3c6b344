"""A reader's own vec.bin at GoogleNews scale: keep only the task's words, or load it all.

Writes (once) a 3,000,000 x 300 word2vec binary file to data/bench/ (3.6 GB; the GoogleNews
vectors' size and layout, with rt-polarity's words in it, a third of them in title case), then,
each in a fresh process, measures seconds and peak memory of
- ``load_vectors(path, vocabulary=<rt-polarity's words>)``: streams the file, keeps ~21k rows;
- gensim's ``KeyedVectors.load_word2vec_format(path, binary=True)``: the whole file.
A measurement, not a test: run `make bench`.
"""

import os
import resource
import subprocess
import sys
import time

import numpy as np

WORDS, DIM = 3_000_000, 300


def dataset_words() -> list[str]:
    from w2vcnn import load_dataset, tokenize

    return sorted({t for text in load_dataset("rt-polarity").texts for t in tokenize(text)})


def write_file(path) -> None:
    from w2vcnn._io import atomic_write

    words = dataset_words()
    words = [w.title() if i % 3 == 0 else w for i, w in enumerate(words)]
    words += [f"filler_{i}" for i in range(WORDS - len(words))]
    rng = np.random.default_rng(0)
    with atomic_write(path, "wb") as out:
        out.write(f"{WORDS} {DIM}\n".encode())
        for start in range(0, WORDS, 100_000):
            block = (0.1 * rng.standard_normal((100_000, DIM))).astype("<f4")
            out.write(
                b"".join(
                    w.encode() + b" " + row.tobytes()
                    for w, row in zip(words[start : start + 100_000], block)
                )
            )


def measure(kind: str, path: str) -> None:
    """In this (fresh) process: load one way, print seconds, peak RSS and rows kept."""
    from gensim.models import KeyedVectors

    from w2vcnn.word2vec_format import load_vectors

    words = dataset_words()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # imports, the dataset
    start = time.perf_counter()
    if kind == "vocabulary":
        kv = load_vectors(path, vocabulary=words)
        extra = kv.match_counts
    else:
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
        extra = ""
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{kind:12} {seconds:6.1f} s  peak RSS {peak:6,.0f} MiB "
        f"({peak - before:+6,.0f} MiB for the load)  {len(kv):9,} rows kept {extra}"
    )


def main() -> None:
    if len(sys.argv) == 3:
        return measure(*sys.argv[1:])
    from w2vcnn import data_dir

    path = data_dir() / "bench" / "googlenews-sized.bin"
    if not path.is_file():
        start = time.perf_counter()
        write_file(path)
        print(
            f"wrote {path} ({path.stat().st_size / 2**30:.1f} GiB) in "
            f"{time.perf_counter() - start:.0f} s"
        )
    print(f"{WORDS:,} x {DIM} binary file, {os.cpu_count()} CPU cores")
    for kind in ("vocabulary", "gensim"):
        subprocess.run([sys.executable, __file__, kind, str(path)], check=True)


if __name__ == "__main__":
    sys.exit(main())
