import dataclasses
import math

import numpy as np
import pytest

from w2vcnn._io import DataError
from w2vcnn.drift import (
    RunDrift,
    SwapBack,
    cosine_distance,
    drift_summary,
    drift_table,
    export_projector,
    nearest_neighbours,
    projection_2d,
    run_drift,
    swap_back,
)
from w2vcnn.records import run_row

WORDS = ["<pad>", "<unk>", "a", "b", "c", "d"]


def rotation(angle):
    return np.array(
        [[math.cos(angle), -math.sin(angle), 0], [math.sin(angle), math.cos(angle), 0], [0, 0, 1]]
    )


@pytest.fixture
def moved():
    """a turns by 60 degrees, b stays, c doubles in length, d (unseen) stays; <unk> moves a lot."""
    initial = np.array(
        [[0, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.float32
    )
    final = initial.copy()
    final[1] = [-1, 0, 0]
    final[2] = rotation(math.pi / 3) @ initial[2]
    final[4] = 2 * initial[4]
    return initial, final


# ---------------------------------------------------------------- cosine_distance


def test_cosine_distance_of_known_angles():
    a = np.array([[1.0, 0], [1, 0], [1, 0], [3, 4]])
    b = np.array([[0.0, 1], [-1, 0], [1, 1], [6, 8]])
    assert cosine_distance(a, b) == pytest.approx([1.0, 2.0, 1 - 1 / math.sqrt(2), 0.0])


def test_identical_rows_are_exactly_zero_even_the_zero_row():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 7)).astype(np.float32)
    a[0] = 0
    assert np.all(cosine_distance(a, a.copy()) == 0.0)


def test_zero_row_against_a_vector_counts_as_orthogonal():
    assert cosine_distance([[0.0, 0.0]], [[1.0, 2.0]]) == pytest.approx([1.0])


def test_cosine_distance_needs_one_shape():
    with pytest.raises(ValueError, match="one shape"):
        cosine_distance(np.zeros((2, 3)), np.zeros((3, 3)))


# ---------------------------------------------------------------- drift_table / drift_summary


def test_drift_table_rows_columns_and_order(moved):
    table = drift_table(WORDS, *moved, counts={"a": 7, "b": 3, "c": 1}, n_train_words=5)
    assert list(table.columns) == [
        "word",
        "count",
        "cosine_distance",
        "l2_change",
        "seen_in_training",
    ]
    assert list(table["word"]) == ["a", "b", "c", "d"]  # a moved; the ties keep vocabulary order
    by_word = table.set_index("word")
    assert by_word.loc["a", "cosine_distance"] == pytest.approx(1 - math.cos(math.pi / 3))
    assert by_word.loc["a", "l2_change"] == pytest.approx(
        1.0
    )  # chord of 60 degrees on the unit circle
    assert by_word.loc["b", "cosine_distance"] == 0.0 and by_word.loc["b", "l2_change"] == 0.0
    assert by_word.loc["c", "cosine_distance"] == 0.0  # longer, same direction
    assert by_word.loc["c", "l2_change"] == pytest.approx(1.0)
    assert by_word["count"].to_dict() == {"a": 7, "b": 3, "c": 1, "d": 0}
    assert by_word["seen_in_training"].to_dict() == {"a": True, "b": True, "c": True, "d": False}


def test_drift_table_is_sorted_by_distance_descending():
    rng = np.random.default_rng(1)
    initial = rng.normal(size=(40, 5))
    final = initial + rng.normal(scale=0.3, size=initial.shape)
    words = ["<pad>", "<unk>", *(f"w{i}" for i in range(38))]
    table = drift_table(words, initial, final, counts=None, n_train_words=40)
    assert table["cosine_distance"].is_monotonic_decreasing
    assert len(table) == 38 and (table["count"] == 0).all()


def test_drift_table_checks_shapes(moved):
    with pytest.raises(ValueError, match="one row per word"):
        drift_table(WORDS[:-1], *moved, counts={}, n_train_words=5)


def test_drift_summary_splits_seen_from_unseen(moved):
    summary = drift_summary(drift_table(WORDS, *moved, counts={}, n_train_words=5))
    assert list(summary["seen_in_training"]) == [True, False]
    seen, unseen = summary.iloc[0], summary.iloc[1]
    assert seen["n_words"] == 3 and unseen["n_words"] == 1
    assert seen["fraction_moved"] == pytest.approx(1 / 3)
    assert seen["max_cosine_distance"] == pytest.approx(0.5)
    assert unseen["max_cosine_distance"] == 0.0 and unseen["fraction_moved"] == 0.0


def test_drift_summary_without_unseen_words(moved):
    summary = drift_summary(drift_table(WORDS, *moved, counts={}, n_train_words=6))
    assert list(summary["seen_in_training"]) == [True] and summary["n_words"].iloc[0] == 4


# ---------------------------------------------------------------- nearest_neighbours


@pytest.fixture
def sentiment():
    """Before: 'good' sits next to 'bad' (they share contexts). After: next to 'great'."""
    words = ["<pad>", "<unk>", "good", "bad", "great", "movie"]
    initial = np.array([[0, 0, 0], [1, 0.01, 0], [1, 0, 0], [0.95, 0.3, 0], [0.3, 1, 0], [0, 0, 1]])
    final = initial.copy()
    final[2] = [0.35, 1, 0.05]
    return words, initial, final


def parse(cell):
    """'great (0.99), bad (0.41)' -> [('great', 0.99), ('bad', 0.41)]"""
    return [
        (item.split(" (")[0], float(item.split(" (")[1].rstrip(")"))) for item in cell.split(", ")
    ]


def test_neighbours_show_the_move(sentiment):
    table = nearest_neighbours(*sentiment, queries=("good",), k=2)
    assert list(table.columns) == ["word", "before", "after"]
    row = table.iloc[0]
    assert row["word"] == "good"
    assert parse(row["before"])[0] == (
        "bad",
        pytest.approx(0.95 / math.hypot(0.95, 0.3), abs=0.005),
    )
    assert parse(row["after"])[0][0] == "great" and parse(row["after"])[0][1] > 0.99
    assert [name for name, _ in parse(row["after"])] == ["great", "bad"]  # bad is now second


def test_neighbours_exclude_the_query_and_special_tokens(sentiment):
    table = nearest_neighbours(*sentiment, queries=("good",), k=10)
    names = [name for name, _ in parse(table.iloc[0]["before"])]
    assert sorted(names) == ["bad", "great", "movie"]  # <unk> is nearest to 'good' but never listed


def test_missing_queries_are_skipped(sentiment):
    table = nearest_neighbours(*sentiment, queries=("worst", "good", "n't"))
    assert list(table["word"]) == ["good"]
    assert nearest_neighbours(*sentiment, queries=("worst",)).empty


def test_min_count_mask_restricts_candidates(sentiment):
    mask = np.array([True, True, True, False, True, True])  # 'bad' too rare
    cell = nearest_neighbours(*sentiment, queries=("good",), k=1, min_count_mask=mask).iloc[0][
        "before"
    ]
    assert cell.startswith("great")


# ---------------------------------------------------------------- projection_2d


def test_projection_shapes_and_unmoved_rows():
    rng = np.random.default_rng(2)
    initial = rng.normal(size=(20, 8))
    final = initial.copy()
    final[5:10] += rng.normal(size=(5, 8))
    rows = np.arange(2, 15)
    before, after = projection_2d(initial, final, rows)
    assert before.shape == after.shape == (13, 2)
    unmoved = np.isin(rows, np.r_[0:5, 10:20])
    np.testing.assert_allclose(before[unmoved], after[unmoved])
    assert not np.allclose(before[~unmoved], after[~unmoved])


def test_identical_vectors_map_to_one_point():
    initial = np.array([[1.0, 2, 3], [1, 2, 3], [0, 1, 0], [4, 0, 1]])
    before, after = projection_2d(initial, initial, [0, 1, 2, 3])
    np.testing.assert_allclose(before[0], before[1])
    np.testing.assert_allclose(before, after)


def test_projection_keeps_distances_of_planar_data():
    """Points on a plane inside 6-D space: the 2-D PCA is that plane, so distances survive."""
    rng = np.random.default_rng(3)
    basis = np.linalg.qr(rng.normal(size=(6, 2)))[0].T
    initial, final = rng.normal(size=(10, 2)) @ basis, rng.normal(size=(10, 2)) @ basis
    before, after = projection_2d(initial, final, np.ones(10, dtype=bool))
    np.testing.assert_allclose(
        np.linalg.norm(after - before, axis=1), np.linalg.norm(final - initial, axis=1), atol=1e-9
    )


def test_word_polarity_is_the_smoothed_log_odds_of_the_label():
    from w2vcnn.drift import word_polarity

    encoded = [[2, 3], [2, 2], [4, 3], [4]]  # word 2 in positives only, 4 in negatives only
    polarity = word_polarity(encoded, np.array([1, 1, 0, 0]), n_rows=5)
    assert polarity[2] == pytest.approx(math.log(3 / 4) - math.log(1 / 4))
    assert polarity[3] == pytest.approx(0.0)  # in both classes alike
    assert polarity[4] == pytest.approx(-polarity[2])
    with pytest.raises(ValueError, match="binary labels"):
        word_polarity(encoded, np.array([0, 1, 2, 0]), n_rows=5)


@pytest.fixture(scope="module")
def tuned(cache):
    from conftest import QUICK
    from w2vcnn.experiments import RunConfig, run

    return run(RunConfig(**{**QUICK, "mode": "non-static", "max_epochs": 3}))


def test_word_drift_measures_every_training_word_of_a_run(tuned):
    from w2vcnn.drift import POLARITY_GROUPS, word_drift

    table = word_drift(tuned)
    assert len(table) == tuned.n_train_words - 2  # every training word, no <pad>/<unk>
    assert table["angle"].between(0, 180).all() and (table["angle"] > 0).any()
    assert table["pretrained"].any() and not table["pretrained"].all()
    frequent = table.dropna(subset=["polarity_group"])
    assert set(frequent["polarity_group"]) == set(POLARITY_GROUPS)
    assert frequent["frequency_decile"].between(1, 10).all()
    assert (frequent["count"] >= 5).all()
    # the strongest third by |log-odds| is "polar"
    polar = frequent[frequent["polarity_group"] == "polar"]["polarity"].abs().min()
    neutral = frequent[frequent["polarity_group"] == "neutral"]["polarity"].abs().max()
    assert polar >= neutral


def test_run_drift_and_swap_back_summarise_a_run(tuned):
    facts = run_drift(tuned, n_polar=20)
    assert 0 <= facts.neighbours_kept <= 1
    assert facts.cos_good_bad_before != facts.cos_good_bad_after
    assert facts.norm_pretrained_rows > 0 and facts.norm_random_rows > 0
    lost = swap_back(tuned)
    assert lost.accuracy_fine_tuned == pytest.approx(tuned.test_accuracy)
    assert lost.lost == pytest.approx(lost.accuracy_fine_tuned - lost.accuracy_initial_put_back)


def test_drift_over_folds_gives_each_fact_with_its_interval(tuned):
    import pandas as pd

    from w2vcnn import analyses
    from w2vcnn.experiments import run

    other = run(dataclasses.replace(tuned.config, seed=1))
    frame = pd.DataFrame([run_row(tuned), run_row(other)])
    summary = analyses.drift_over_folds(frame)
    facts = summary.loc[("rt-polarity", "in_domain")]
    assert set(facts.index) == {f.name for f in dataclasses.fields(RunDrift)} | {
        f.name for f in dataclasses.fields(SwapBack)
    }
    assert (facts["runs"] == 2).all() and (facts["ci95"].dropna() >= 0).all()
    lost = [swap_back(r).lost for r in (tuned, other)]
    assert facts.loc["lost", "mean"] == pytest.approx(np.mean(lost))  # a fraction, not points
    deciles = summary.attrs["angle by decile"][("rt-polarity", "in_domain")]
    assert list(deciles.columns) == ["neutral", "mild", "polar"]
    assert set(deciles.index) <= set(range(1, 11)) and (deciles.to_numpy() >= 0).all()


def test_cosine_between_two_words_is_nan_where_one_is_missing():
    from w2vcnn.drift import cosine_between

    words = ["good", "bad", "film"]
    matrix = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    assert cosine_between(words, matrix, "good", "bad") == pytest.approx(math.sqrt(0.5))
    assert cosine_between(words, matrix, "good", "film") == pytest.approx(0.0)
    assert math.isnan(cosine_between(words, matrix, "good", "awful"))


def test_angle_by_decile_has_one_column_where_words_have_no_polarity():
    import pandas as pd

    from w2vcnn.drift import angle_by_decile

    table = pd.DataFrame(
        {
            "angle": [1.0, 3.0, 5.0, 7.0, 9.0],
            "frequency_decile": [1, 1, 2, 2, np.nan],  # the last word is rare
            "polarity_group": [np.nan] * 5,  # three classes: no lean toward one of two
        }
    )
    medians = angle_by_decile(table)
    assert list(medians.columns) == ["all words"]
    assert medians["all words"].to_dict() == {1: 2.0, 2: 6.0}


# ---------------------------------------------------------------- export_projector


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
