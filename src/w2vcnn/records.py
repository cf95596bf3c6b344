"""A run as a record: its label and its flat row, what a grid's table holds.

Below :mod:`w2vcnn.grids` (which builds its tables from them) and above the computing modules;
labels are display, outside every run's key, but they are records of runs rather than
formatting of numbers, so :mod:`w2vcnn.tables`, :mod:`w2vcnn.plots` and the grids all read them
here and nothing below reaches up.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .choices import INITS
from .config import RunConfig
from .experiments import RunResult
from .metrics import balanced_accuracy
from .protocol import name_of

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
    if config.patience is None and not config.is_baseline:
        parts.append(f"{config.max_epochs} epochs, best dev (Kim)")
    elif config.max_epochs != _DEFAULT.max_epochs and not config.is_baseline:
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
    config = result.config
    row.update(
        # a reader's file by its name (protocol.name_of): what pages call it and glue it under
        dataset=name_of(config.dataset, config.max_examples),
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
