"""w2vcnn.records: a run's label and its flat row."""

import pytest

from w2vcnn.experiments import RunConfig, RunResult
from w2vcnn.records import run_row, variant


def test_the_label_names_what_a_grid_varies_and_only_that():
    assert variant(RunConfig()) == "cnn non-static skipgram torch"
    assert variant(RunConfig(arch="tfidf").validated()) == "tfidf sklearn"
    tuned = RunConfig(embedding_lr_scale=10, train_fraction=0.25, vector_size=300, max_epochs=25)
    assert variant(tuned) == (
        "cnn non-static skipgram torch embedding-lr×10 25% of train 300-d ≤25 epochs"
    )
    assert variant(RunConfig(init="/somewhere/my vec.bin")) == "cnn non-static my vec.bin torch"
    kim = RunConfig(max_epochs=25, patience=None)  # Kim's regime says so, not just its cap
    assert variant(kim) == "cnn non-static skipgram torch 25 epochs, best dev (Kim)"


def test_a_row_is_the_config_flat_with_the_headline_numbers():
    config = RunConfig(mode="static")
    result = RunResult(
        run_id="k", config=config, test_accuracy=0.6, dev_accuracy=0.7, best_epoch=2,
        epochs_run=4, train_seconds=1.0, sentences_per_second=10.0, wall_seconds=2.0, curve=[],
        test_predictions=[0, 0, 1, 1, 1], test_labels=[0, 1, 1, 1, 1], vocab_size=3,
        n_train_words=2,
    )  # fmt: skip
    row = run_row(result)
    assert row["corpus"] == "train+unlabeled" and row["windows"] == "3+4+5"
    assert row["variant"] == "cnn static skipgram torch" and row["mode"] == "static"
    assert row["balanced_accuracy"] == pytest.approx(
        (1 / 1 + 3 / 4) / 2
    )  # recall of class 0, of class 1
    assert row["test_accuracy"] == 0.6 and row["run_id"] == "k" and row["cached"] is False
