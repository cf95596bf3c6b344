"""The bag-of-words baseline: TF-IDF features and logistic regression.

This is the "TF-IDF vs word2vec" baseline the book compares every CNN against (Beyond): if
fine-tuned word2vec inside a CNN cannot beat a linear model on word and bigram counts, the
embeddings are not earning their keep. It sees exactly what the CNNs see: Kim's ``clean_str``
tokens, the same train/dev/test split, the regularisation strength chosen on dev and the test split
scored once.

This module and what it imports are the code a TF-IDF run's cache key covers
(:func:`w2vcnn.cache.result_code`): the training loop of the neural runs is not among them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .config import RunConfig
from .data import dataset_of
from .metrics import accuracy_of
from .splits import train_subset
from .text import tokenize

Part = tuple[list[str], np.ndarray]  # (texts, labels) as returned by Dataset.part


def tfidf_vectorizer(ngram_range: tuple[int, int] = (1, 2)) -> TfidfVectorizer:
    """TF-IDF over Kim's tokens: ``tokenize`` already lowercases, so scikit-learn must not
    re-split."""
    return TfidfVectorizer(
        tokenizer=tokenize,
        lowercase=False,
        token_pattern=None,
        ngram_range=ngram_range,
        sublinear_tf=True,
        min_df=1,
    )


def logistic_regression(C: float, seed: int = 0) -> LogisticRegression:
    """L2 logistic regression, multinomial when there are more than two classes.

    lbfgs handles binary and multi-class data alike (liblinear no longer does multi-class), so every
    dataset gets the same model. Its default ``tol`` stops it early on sparse TF-IDF features
    (neighbouring Cs then give identical models), hence the tighter tolerance.
    """
    return LogisticRegression(C=C, solver="lbfgs", tol=1e-6, max_iter=10_000, random_state=seed)


def tfidf_logistic_regression(
    train: Part,
    dev: Part,
    test: Part,
    seed: int = 0,
    Cs: Sequence[float] = (0.1, 0.3, 1, 3, 10, 30, 100),
    ngram_range: tuple[int, int] = (1, 2),
) -> dict:
    """The "TF-IDF vs word2vec" baseline the book compares against: TF-IDF + logistic regression.

    Fit on ``train``, pick ``C`` on ``dev``, score ``test`` once.

    The vectorizer is fitted on the training texts only: a word or bigram that occurs only in dev or
    test sentences is not a feature, as it is ``<unk>`` for the randomly initialised CNNs. Each C is
    fitted on the training split; the one with the best dev accuracy wins (ties go to the earlier C
    in ``Cs``, so with ascending Cs to the stronger regularisation), and no refit on train + dev
    follows, as for the CNNs, whose dev split only drives early stopping.

    Returns a dict: ``test_accuracy``, ``dev_accuracy`` (of the chosen C), ``C``, ``dev_by_C``
    (C -> dev accuracy), ``test_predictions`` (list of int), ``train_seconds`` (vectorising plus
    fitting every C) and ``features`` (size of the TF-IDF vocabulary).
    """
    if not Cs:
        raise ValueError("Cs is empty: give at least one regularisation strength")
    (train_texts, train_labels), (dev_texts, dev_labels), (test_texts, test_labels) = (
        train,
        dev,
        test,
    )
    start = time.perf_counter()
    vectorizer = tfidf_vectorizer(ngram_range)
    train_features = vectorizer.fit_transform(train_texts)
    dev_features = vectorizer.transform(dev_texts)
    models, dev_by_C = {}, {}
    for C in Cs:
        C = float(C)
        models[C] = logistic_regression(C, seed).fit(train_features, train_labels)
        dev_by_C[C] = accuracy_of(models[C].predict(dev_features), dev_labels)
    train_seconds = time.perf_counter() - start

    best_C = max(dev_by_C, key=dev_by_C.get)  # max keeps the first of equal values
    test_predictions = models[best_C].predict(vectorizer.transform(test_texts))
    return {
        "test_accuracy": accuracy_of(test_predictions, test_labels),
        "dev_accuracy": dev_by_C[best_C],
        "C": best_C,
        "dev_by_C": dev_by_C,
        "test_predictions": [int(p) for p in test_predictions],
        "train_seconds": train_seconds,
        "features": len(vectorizer.vocabulary_),
    }


def compute_tfidf(config: RunConfig) -> tuple[dict, None]:
    """The baseline run of ``config`` (``arch="tfidf"``) on its dataset, split and share of the
    training split: the fields of its result (all but ``run_id``, ``config`` and
    ``wall_seconds``), and no arrays."""
    dataset = train_subset(dataset_of(config), config.train_fraction, seed=config.seed)
    parts = {name: dataset.part(name) for name in ("train", "dev", "test")}
    scored = tfidf_logistic_regression(
        parts["train"], parts["dev"], parts["test"], seed=config.draw_seed
    )
    fields = dict(
        test_accuracy=scored["test_accuracy"],
        dev_accuracy=scored["dev_accuracy"],
        best_epoch=0,
        epochs_run=0,
        train_seconds=scored["train_seconds"],
        sentences_per_second=len(parts["train"][0]) / scored["train_seconds"],
        curve=[],
        test_predictions=scored["test_predictions"],
        test_labels=parts["test"][1].tolist(),
        vocab_size=scored["features"],
        n_train_words=scored["features"],
        extra={"C": scored["C"]},
    )
    return fields, None
