"""Display: what a reader sees of runs and datasets -- a run's label, a run as a table row, a
dataset's sizes, fine-tuned vectors for the TensorBoard projector.

Nothing here is part of a run's cache key: a label or a row changes no number.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._io import DataError, atomic_write
from .choices import INITS
from .config import RunConfig
from .data import Dataset
from .experiments import RunResult
from .metrics import balanced_accuracy
from .text import N_SPECIAL_TOKENS, tokenize

_DEFAULT = RunConfig()


def variant(config: RunConfig) -> str:
    """What is compared across seeds, e.g. ``cnn non-static skipgram torch``: a label for
    tables.

    Settings that differ from the defaults and that a grid varies on purpose (corpus, schedule,
    word2vec epochs, vector size, epochs) are appended, so two different experiments never
    share a label. The label depends on the config alone. Chapters select runs by the config's
    fields, never by label.
    """
    init = Path(config.init).name if config.init not in INITS + ("-",) else config.init
    parts = [x for x in (config.arch, config.mode, init, config.backend) if x != "-"]
    if config.corpus not in ((), _DEFAULT.corpus):
        parts.append("+".join(config.corpus))
    if config.unfreeze_epoch is not None:
        parts.append(f"unfrozen@{config.unfreeze_epoch}")
    if config.embedding_lr_scale != 1.0:
        parts.append(f"embedding-lr×{config.embedding_lr_scale:g}")
    if config.frozen_rows != "none":
        parts.append(f"{config.frozen_rows} rows frozen")
    if config.train_fraction != 1.0:
        parts.append(f"{config.train_fraction:.0%} of train")
    if config.trains_word2vec and config.word2vec_epochs != _DEFAULT.word2vec_epochs:
        parts.append(f"word2vec×{config.word2vec_epochs}")
    if config.trains_word2vec and config.word2vec_alpha != _DEFAULT.word2vec_alpha:
        parts.append(f"word2vec alpha {config.word2vec_alpha:g}")
    if config.vector_size != _DEFAULT.vector_size and not config.is_baseline:
        parts.append(f"{config.vector_size}-d")
    if config.max_epochs != _DEFAULT.max_epochs and not config.is_baseline:
        parts.append(f"≤{config.max_epochs} epochs")
    if config.padding != _DEFAULT.padding:
        parts.append(f"{config.padding} convolution")
    if config.replicate:
        parts.append(f"replicate {config.replicate}")
    return " ".join(parts)


def run_row(result: RunResult) -> dict:
    """A flat record for a DataFrame: the config's fields, the variant, the headline numbers.

    Tuple-valued fields are joined with ``+`` (``corpus="train+unlabeled"``,
    ``windows="3+4+5"``), so a chapter can select runs by them with ``==``.
    """
    row = {
        k: "+".join(map(str, v)) if isinstance(v, tuple) else v
        for k, v in dataclasses.asdict(result.config).items()
    }
    row.update(
        variant=variant(result.config),
        run_id=result.run_id,
        test_accuracy=result.test_accuracy,
        balanced_accuracy=balanced_accuracy(result.test_predictions, result.test_labels),
        dev_accuracy=result.dev_accuracy,
        best_epoch=result.best_epoch,
        epochs_run=result.epochs_run,
        train_seconds=result.train_seconds,
        sentences_per_second=result.sentences_per_second,
        wall_seconds=result.wall_seconds,
        cached=result.cached,
    )
    return row


def describe(dataset: Dataset):
    """A table per split: examples, examples per class, sentence length (tokens), vocabulary
    size."""
    import pandas as pd

    tokens = [tokenize(t) for t in dataset.texts]
    rows = {}
    for part in ("train", "dev", "test", "all"):
        index = np.arange(len(dataset)) if part == "all" else getattr(dataset, part)
        lengths = np.array([len(tokens[i]) for i in index] or [0])
        counts = Counter(dataset.labels[index].tolist())
        row = {"examples": len(index)}
        row.update({name: counts.get(i, 0) for i, name in enumerate(dataset.label_names)})
        row.update(
            {
                "mean len": round(float(lengths.mean()), 1),
                "max len": int(lengths.max()),
                "vocab": len({t for i in index for t in tokens[i]}),
            }
        )
        rows[part] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = dataset.name
    return table


def export_projector(
    words: Sequence[str],
    matrix,
    folder: str | os.PathLike,
    started_random: Sequence[bool],
    n_train_words: int,
) -> Path:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the TensorBoard embedding projector
    (projector.tensorflow.org: "Load"), the ``<pad>`` and ``<unk>`` rows left out.

    The metadata says, per word, whether its vector started random (no pretrained vector) or
    pretrained, and whether the word occurs in a training sentence (only those can move)."""
    matrix = np.asarray(matrix)
    if not len(words) == len(matrix) == len(started_random):
        raise DataError(
            f"cannot export to {folder}: {len(words)} words, {len(matrix)} vectors and "
            f"{len(started_random)} start flags must match row for row"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = range(N_SPECIAL_TOKENS, len(words))
    with atomic_write(folder / "vectors.tsv", "w") as out:
        for i in rows:
            out.write("\t".join(f"{x:.6g}" for x in matrix[i]) + "\n")
    with atomic_write(folder / "metadata.tsv", "w") as out:
        out.write("word\tstart\tin training\n")
        for i in rows:
            start = "random" if started_random[i] else "pretrained"
            out.write(f"{words[i]}\t{start}\t{'yes' if i < n_train_words else 'no'}\n")
    return folder
