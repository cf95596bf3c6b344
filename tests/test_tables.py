"""Display code: run labels, table rows, dataset descriptions, the projector export."""

import numpy as np
import pytest

from w2vcnn._io import DataError
from w2vcnn.data import load_dataset
from w2vcnn.experiments import RunConfig, RunResult
from w2vcnn.tables import describe, export_projector, run_row, variant


@pytest.fixture(scope="module")
def polarity():
    return load_dataset("rt-polarity")


def test_describe_reports_sizes_balance_lengths_vocabulary(polarity):
    table = describe(polarity)
    assert list(table.index) == ["train", "dev", "test", "all"]
    assert table.loc["all", "examples"] == len(polarity)
    assert table.loc["train", "negative"] + table.loc["train", "positive"] == len(polarity.train)
    assert 15 < table.loc["all", "mean len"] < 25 and table.loc["all", "vocab"] > 15_000


def test_export_projector_writes_vectors_and_metadata_row_for_row(tmp_path):
    words = ["<pad>", "<unk>", "good", "bad", "meh"]
    matrix = np.arange(10, dtype=np.float32).reshape(5, 2) / 4
    folder = export_projector(words, matrix, tmp_path / "p", [True, True, False, True, False], 4)
    assert (folder / "vectors.tsv").read_text().splitlines() == ["1\t1.25", "1.5\t1.75", "2\t2.25"]
    assert (folder / "metadata.tsv").read_text().splitlines() == [
        "word\tstart\tin training",
        "good\tpretrained\tyes",
        "bad\trandom\tyes",
        "meh\tpretrained\tno",
    ]


def test_export_projector_refuses_rows_that_do_not_match_and_writes_nothing(tmp_path):
    with pytest.raises(DataError, match="row for row"):
        export_projector(["<pad>", "<unk>", "a"], np.zeros((3, 2)), tmp_path / "p", [True], 3)
    assert not (tmp_path / "p").exists()


def test_the_label_names_what_a_grid_varies_and_only_that():
    assert variant(RunConfig()) == "cnn non-static skipgram torch"
    assert variant(RunConfig(arch="tfidf").validated()) == "tfidf sklearn"
    tuned = RunConfig(embedding_lr_scale=10, train_fraction=0.25, vector_size=300, max_epochs=25)
    assert variant(tuned) == (
        "cnn non-static skipgram torch embedding-lr×10 25% of train 300-d ≤25 epochs"
    )
    assert variant(RunConfig(init="/somewhere/my vec.bin")) == "cnn non-static my vec.bin torch"


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
