"""How a classifier is scored: the same two numbers for the CNNs, CBOW and TF-IDF."""

from __future__ import annotations

import numpy as np


def accuracy_of(predictions, labels) -> float:
    """The share of ``predictions`` equal to ``labels``; NaN for no labels."""
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    return float((predictions == labels).mean()) if len(labels) else float("nan")


def balanced_accuracy(predictions, labels) -> float:
    """The mean of the per-class recalls: accuracy as if every class were equally frequent (a
    58/42 dataset scored on it compares with a 50/50 one; always guessing the majority gets 1/k)."""
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if predictions.shape != labels.shape or labels.size == 0:
        raise ValueError(
            f"balanced_accuracy needs one prediction per label, got {predictions.shape} "
            f"predictions for {labels.shape} labels"
        )
    return float(np.mean([np.mean(predictions[labels == c] == c) for c in np.unique(labels)]))
