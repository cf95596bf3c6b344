import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from conftest import T_975_DF2, accuracy_runs
from w2vcnn.stats import (
    Comparison,
    aggregate,
    compare,
    equivalence,
    holm,
    mcnemar,
    mean_ci,
    numbers,
    paired_by,
    paired_table,
    paired_values,
    verdict,
)

# ---------------------------------------------------------------- mean_ci


def test_mean_ci_is_the_student_t_interval():
    mean, half_width = mean_ci([0.80, 0.82, 0.84])
    assert mean == pytest.approx(0.82)
    assert half_width == pytest.approx(T_975_DF2 * 0.02 / math.sqrt(3))


def test_mean_ci_other_confidence():
    _, half_width = mean_ci([1.0, 2.0, 3.0, 4.0], confidence=0.90)
    assert half_width == pytest.approx(
        scipy_stats.t.ppf(0.95, 3) * np.std([1, 2, 3, 4], ddof=1) / 2
    )


def test_one_value_has_no_interval():
    mean, half_width = mean_ci([0.8])
    assert mean == 0.8 and math.isnan(half_width)


def test_no_values_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        mean_ci([])


# ---------------------------------------------------------------- aggregate


def test_aggregate_one_row_per_group_in_grid_order(grid):
    table = aggregate(grid)
    assert list(table.columns) == [
        "dataset",
        "variant",
        "n",
        "mean",
        "std",
        "ci95",
        "low",
        "high",
        "min",
        "max",
    ]
    assert list(zip(table["dataset"], table["variant"])) == [
        ("MR", "static"),
        ("MR", "rand"),
        ("SST-1", "static"),
        ("SST-1", "rand"),
    ]
    static = table.iloc[0]
    assert static["n"] == 3
    assert static["mean"] == pytest.approx(0.82)  # a fraction, not a percentage
    assert static["std"] == pytest.approx(0.02)
    assert static["ci95"] == pytest.approx(T_975_DF2 * 0.02 / math.sqrt(3))
    assert static["low"] == pytest.approx(0.82 - static["ci95"])
    assert static["high"] == pytest.approx(0.82 + static["ci95"])
    assert (static["min"], static["max"]) == (0.80, 0.84)


def test_aggregate_single_run_has_nan_spread(grid):
    rand = aggregate(grid).iloc[1]
    assert rand["n"] == 1 and rand["mean"] == 0.75 and rand["min"] == rand["max"] == 0.75
    assert all(math.isnan(rand[c]) for c in ("std", "ci95", "low", "high"))


def test_aggregate_other_grouping_and_value(grid):
    grid["dev_accuracy"] = grid["test_accuracy"] + 0.01
    table = aggregate(grid, by=["variant"], value="dev_accuracy")
    assert list(table["variant"]) == ["static", "rand"]
    assert list(table["n"]) == [5, 3]
    assert table["mean"].iloc[1] == pytest.approx(np.mean([0.75, 0.36, 0.38]) + 0.01)


def test_aggregate_names_a_missing_column(grid):
    with pytest.raises(ValueError, match="'test_acc'"):
        aggregate(grid, value="test_acc")


# ---------------------------------------------------------------- compare


def test_compare_paired_difference(paired):
    frame, a, b = paired
    result = compare(frame, "non-static", "static")
    differences = np.subtract(a, b)
    assert isinstance(result, Comparison)
    assert result.n_pairs == 5
    assert result.mean_difference == pytest.approx(differences.mean()) == pytest.approx(0.012)
    assert result.ci95 == pytest.approx(mean_ci(differences)[1])
    assert result.p_value == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue)
    assert (result.wins, result.losses, result.ties) == (4, 1, 0)
    assert "+1.2" in str(result) and "4 of 5" in str(result)


def test_compare_is_antisymmetric(paired):
    frame, _, _ = paired
    forward, backward = (
        compare(frame, "non-static", "static"),
        compare(frame, "static", "non-static"),
    )
    assert backward.mean_difference == pytest.approx(-forward.mean_difference)
    assert backward.p_value == pytest.approx(forward.p_value)
    assert backward.wins == forward.losses


def test_compare_single_pair_has_nan_p_value():
    frame = pd.DataFrame(accuracy_runs("a", [0.8]) + accuracy_runs("b", [0.7]))
    result = compare(frame, "a", "b")
    assert result.n_pairs == 1 and result.wins == 1
    assert result.mean_difference == pytest.approx(0.1)
    assert math.isnan(result.p_value) and math.isnan(result.ci95)


def test_compare_pairs_only_within_a_dataset_and_fold():
    frame = pd.DataFrame(
        accuracy_runs("a", [0.8, 0.9]) + accuracy_runs("b", [0.7], dataset="SST-1")
    )
    with pytest.raises(ValueError, match="share no runs"):
        compare(frame, "a", "b")
    frame = pd.DataFrame(accuracy_runs("a", [0.8]) + accuracy_runs("b", [0.7]))
    frame["fold"] = [0, 1]
    with pytest.raises(ValueError, match="fold"):
        compare(frame, "a", "b")


def test_compare_unknown_variant_lists_the_variants(paired):
    frame, _, _ = paired
    with pytest.raises(
        ValueError, match=r"'non-static' and 'multichannel' \(by variant\) share no runs"
    ) as info:
        compare(frame, "non-static", "multichannel")
    present = str(info.value).split("present: ", 1)[1]
    assert "'non-static'" in present and "'static'" in present and "multichannel" not in present


def test_compare_refuses_ambiguous_pairs():
    frame = pd.DataFrame(accuracy_runs("a", [0.8, 0.81], seeds=[0, 0]) + accuracy_runs("b", [0.7]))
    with pytest.raises(ValueError, match="several runs"):
        compare(frame, "a", "b")


# ---------------------------------------------------------------- sides by several columns


MODE_INIT = {
    ("static", "skipgram"): [0.80, 0.82, 0.81],
    ("static", "cbow"): [0.78, 0.80, 0.80],
    ("non-static", "skipgram"): [0.83, 0.84, 0.82],
    ("non-static", "cbow"): [0.79, 0.81, 0.83],
}


@pytest.fixture
def mode_init():
    """Every (mode, init) over three seeds on two datasets, SST-1 10 points below MR."""
    rows = [
        {
            "dataset": dataset,
            "mode": mode,
            "init": init,
            "variant": f"cnn {mode} {init}",
            "seed": seed,
            "test_accuracy": acc - shift,
        }
        for dataset, shift in (("MR", 0.0), ("SST-1", 0.10))
        for (mode, init), accuracies in MODE_INIT.items()
        for seed, acc in enumerate(accuracies)
    ]
    return pd.DataFrame(rows).sample(frac=1, random_state=1)


def test_sides_select_by_two_columns(mode_init):
    mr = mode_init[mode_init["dataset"] == "MR"]
    pairs = paired_values(mr, ("static", "skipgram"), ("static", "cbow"), by=("mode", "init"))
    assert list(pairs.columns) == ["dataset", "seed", "a", "b"]
    pairs = pairs.sort_values("seed")
    assert list(pairs["a"]) == MODE_INIT["static", "skipgram"]
    assert list(pairs["b"]) == MODE_INIT["static", "cbow"]

    result = compare(mr, ("static", "skipgram"), ("static", "cbow"), by=("mode", "init"))
    assert (result.a, result.b, result.n_pairs) == ("static skipgram", "static cbow", 3)
    assert result.mean_difference == pytest.approx(np.mean([0.02, 0.02, 0.01]))
    assert (result.wins, result.losses, result.ties) == (3, 0, 0)
    # the same runs chosen by their variant label: the same comparison
    by_label = compare(mr, "cnn static skipgram", "cnn static cbow")
    assert by_label._replace(a=result.a, b=result.b) == result
    # one column is enough when the other is filtered out first
    skipgram = mr[mr["init"] == "skipgram"]
    assert compare(skipgram, "non-static", "static", by="mode").mean_difference == pytest.approx(
        compare(
            mr, ("non-static", "skipgram"), ("static", "skipgram"), by=["mode", "init"]
        ).mean_difference
    )


@pytest.mark.parametrize(
    "a, b, by, match",
    [
        (
            "static",
            ("non-static", "cbow"),
            ("mode", "init"),
            r"'static' gives 1 value\(s\) for the 2 column\(s\) mode, init",
        ),
        (
            ("static", "cbow"),
            "non-static",
            ("mode", "init"),
            r"'non-static' gives 1 value\(s\) for the 2 column\(s\)",
        ),
        (("static", "cbow", "x"), ("non-static", "cbow", "x"), ("mode", "init"), "gives 3 value"),
        (
            ("static", "cbow"),
            ("non-static", "cbow"),
            "mode",
            r"gives 2 value\(s\) for the 1 column\(s\) mode",
        ),
    ],
)
def test_a_side_of_the_wrong_length_is_refused(mode_init, a, b, by, match):
    before = mode_init.copy()
    with pytest.raises(ValueError, match=match):
        compare(mode_init, a, b, by=by)
    pd.testing.assert_frame_equal(mode_init, before)  # the caller's frame untouched


def test_a_side_selecting_several_runs_per_pair_is_refused(mode_init):
    mr = mode_init[mode_init["dataset"] == "MR"]
    before = mr.copy()
    # "static" alone picks both inits: two runs per seed, and pairing them would be arbitrary
    with pytest.raises(
        ValueError, match="'static' selects several runs with the same dataset, seed"
    ):
        compare(mr, "static", ("non-static",), by="mode")
    with pytest.raises(ValueError, match="'non-static' selects several runs"):
        paired_table(mode_init, {"modes": ("non-static", "static")}, by="mode")
    pd.testing.assert_frame_equal(mr, before)


def test_paired_table_is_indexed_by_dataset_and_contrast_name(mode_init):
    contrasts = {
        "skipgram_vs_cbow": (("static", "skipgram"), ("static", "cbow")),
        "non_static_vs_static": (("non-static", "skipgram"), ("static", "skipgram")),
    }
    table = paired_table(mode_init, contrasts, by=("mode", "init"))
    assert table.index.names == ["dataset", "contrast"]
    first, second = pd.unique(
        mode_init["dataset"]
    )  # datasets in order of appearance, contrasts as given
    assert {first, second} == {"MR", "SST-1"}
    assert list(table.index) == [
        (first, "skipgram_vs_cbow"),
        (first, "non_static_vs_static"),
        (second, "skipgram_vs_cbow"),
        (second, "non_static_vs_static"),
    ]
    assert list(table.columns) == [
        "comparison",
        "difference",
        "ci95",
        "p",
        "wins",
        "pairs",
        "paired_by",
        "p_holm",
        "verdict",
    ]
    assert set(table["paired_by"]) == {"folds"}
    assert table.loc[("MR", "skipgram_vs_cbow"), "comparison"] == "static skipgram − static cbow"
    assert (
        table.loc[("SST-1", "non_static_vs_static"), "comparison"]
        == "non-static skipgram − static skipgram"
    )
    for (dataset, name), row in table.iterrows():
        a, b = contrasts[name]
        expected = numbers(
            compare(mode_init[mode_init["dataset"] == dataset], a, b, by=("mode", "init"))
        )
        assert row[list(expected)].to_dict() == pytest.approx(expected, nan_ok=True)
    assert table.loc[("MR", "skipgram_vs_cbow"), ["wins", "pairs"]].tolist() == [3, 3]


def test_paired_table_one_column_sides(paired):
    frame, a, b = paired
    mr = frame[frame["dataset"] == "MR"]
    table = paired_table(
        mr.rename(columns={"variant": "mode"}), {"tuning": ("non-static", "static")}, by="mode"
    )
    assert list(table.index) == [("MR", "tuning")]
    row = table.loc[("MR", "tuning")]
    assert row["comparison"] == "non-static − static"
    assert (row["wins"], row["pairs"]) == (4, 5)
    assert row["difference"] == pytest.approx(np.mean(np.subtract(a, b)))


# ---------------------------------------------------------------- mcnemar


def test_mcnemar_counts_discordant_pairs():
    labels = np.array([0, 1] * 10)
    predictions_a = labels.copy()
    predictions_b = labels.copy()
    predictions_b[:7] = 1 - labels[:7]  # b = 7: a right, b wrong
    predictions_a[10:12] = 1 - labels[10:12]  # c = 2: a wrong, b right
    predictions_a[15] = predictions_b[15] = 1 - labels[15]  # both wrong: not discordant
    result = mcnemar(predictions_a, predictions_b, labels)
    assert (result["b"], result["c"], result["n"]) == (7, 2, 20)
    assert result["p_value"] == pytest.approx(scipy_stats.binomtest(7, 9, 0.5).pvalue)
    assert result["accuracy_a"] == pytest.approx(17 / 20)
    assert result["accuracy_b"] == pytest.approx(12 / 20)
    swapped = mcnemar(predictions_b, predictions_a, labels)
    assert (swapped["b"], swapped["c"], swapped["p_value"]) == (2, 7, result["p_value"])


def test_mcnemar_identical_classifiers():
    result = mcnemar([0, 1, 1], [0, 1, 1], [0, 1, 0])
    assert (result["b"], result["c"], result["p_value"]) == (0, 0, 1.0)


def test_mcnemar_lengths_must_match():
    with pytest.raises(ValueError, match="length"):
        mcnemar([0, 1], [0, 1, 1], [0, 1, 0])


# ---------------------------------------------------------------- Holm, verdicts, equivalence


def test_holm_multiplies_the_ith_smallest_by_m_minus_i_and_keeps_the_order():
    # m = 4: 0.01 * 4, 0.02 * 3 = 0.06, 0.03 * 2 = 0.06, 0.5 * 1; NaN is not a test of the family
    adjusted = holm([0.03, 0.5, math.nan, 0.01, 0.02])
    assert adjusted[[3, 4, 0, 1]] == pytest.approx([0.04, 0.06, 0.06, 0.5])
    assert math.isnan(adjusted[2])
    assert holm([0.4, 0.6]) == pytest.approx([0.8, 0.8])  # monotone: 0.6 * 1 < 0.8 is raised
    assert holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_paired_table_adjusts_its_rows_as_one_family(mode_init):
    contrasts = {
        "static_sg_vs_cbow": (("static", "skipgram"), ("static", "cbow")),
        "non_static_vs_static": (("non-static", "skipgram"), ("static", "skipgram")),
    }
    table = paired_table(mode_init, contrasts, by=("mode", "init"))
    raw = [
        compare(
            mode_init[mode_init["dataset"] == dataset], *contrasts[name], by=("mode", "init")
        ).p_value
        for dataset, name in table.index
    ]
    # a mutant that adjusted within each dataset would multiply by 2, not 4
    assert len(raw) == 4 and list(table["p_holm"]) == pytest.approx(holm(raw))


def test_verdict_reads_the_p_value_and_the_sign_as_numbers():
    assert verdict(-0.015, 0.03) == "lower" and verdict(0.015, 0.03) == "higher"
    assert verdict(0.015, 0.08) == "no clear difference"
    assert verdict(0.001, math.nan) == "no clear difference"  # a single pair: no test
    # a p that the table shows rounded to "0.050" is still below 0.05
    assert verdict(0.01, 0.0496) == "higher" and verdict(0.01, 0.05) == "no clear difference"


def test_the_table_decides_each_verdict_on_the_adjusted_p_before_rounding(mode_init):
    contrasts = {
        "static_sg_vs_cbow": (("static", "skipgram"), ("static", "cbow")),
        "non_static_vs_static": (("non-static", "skipgram"), ("static", "skipgram")),
    }
    by = ("mode", "init")
    for family in (True, False):
        table = paired_table(mode_init, contrasts, by=by, family=family)
        results = [
            compare(mode_init[mode_init["dataset"] == dataset], *contrasts[name], by=by)
            for dataset, name in table.index
        ]
        p_values = [r.p_value for r in results]
        if family:
            p_values = holm(p_values)
        expected = [verdict(r.mean_difference, p) for r, p in zip(results, p_values)]
        assert list(table["verdict"]) == expected, family
    assert set(expected) == {"higher", "no clear difference"}  # the fixture shows both


def test_equivalence_is_two_one_sided_tests():
    a = [0.800, 0.812, 0.805, 0.798, 0.809, 0.803]
    b = [0.801, 0.808, 0.806, 0.801, 0.806, 0.802]
    frame = pd.DataFrame(accuracy_runs("keras", a) + accuracy_runs("torch", b))
    d = np.subtract(a, b)
    se = d.std(ddof=1) / math.sqrt(len(d))
    result = equivalence(frame, "keras", "torch", margin=0.01)
    t5 = scipy_stats.t(df=len(d) - 1)
    expected = max(t5.sf((d.mean() + 0.01) / se), t5.cdf((d.mean() - 0.01) / se))
    assert result.p_value == pytest.approx(expected) and result.equivalent
    assert result.ci90_low == pytest.approx(d.mean() - t5.ppf(0.95) * se)
    # the same differences, judged against a margin smaller than their spread: not equivalent
    assert not equivalence(frame, "keras", "torch", margin=0.0005).equivalent
    # a real 2-point gap is never "equivalent within 1 point", however tight
    shifted = pd.DataFrame(accuracy_runs("keras", np.add(a, 0.02)) + accuracy_runs("torch", b))
    assert not equivalence(shifted, "keras", "torch", margin=0.01).equivalent
    assert "equivalent" in str(result)


def test_equivalence_refuses_a_margin_that_is_not_positive():
    frame = pd.DataFrame(accuracy_runs("keras", [0.8, 0.81]) + accuracy_runs("torch", [0.8, 0.8]))
    with pytest.raises(ValueError, match="margin must be positive"):
        equivalence(frame, "keras", "torch", margin=0)


def test_mcnemar_reports_agreement_and_the_paired_difference_interval():
    labels = np.array([0, 1] * 50)
    a, b = labels.copy(), labels.copy()
    b[:10] = 1 - labels[:10]  # 10 sentences only a gets right
    a[20:24] = 1 - labels[20:24]  # 4 only b gets right
    result = mcnemar(a, b, labels)
    assert result["agreement"] == pytest.approx(86 / 100)
    per_example = (a == labels).astype(float) - (b == labels)
    # the normal interval of the mean of per-example differences (ddof=0)
    assert result["difference_ci95"] == pytest.approx(1.959964 * per_example.std() / math.sqrt(100))


def test_folds_of_one_dataset_get_nadeau_and_bengios_corrected_error():
    a = [0.80, 0.82, 0.81, 0.79, 0.83, 0.80, 0.81, 0.82, 0.80, 0.81]
    b = [0.78, 0.81, 0.80, 0.80, 0.80, 0.79, 0.80, 0.80, 0.79, 0.79]
    plain = pd.DataFrame(accuracy_runs("x", a) + accuracy_runs("y", b))
    folds = plain.assign(split="kfold")
    d = np.subtract(a, b)
    ratio = 0.1 / (0.9 * 0.9)  # one fold's test sentences per training sentence
    error = math.sqrt((1 / 10 + ratio) * d.var(ddof=1))
    t9 = scipy_stats.t(df=9)
    corrected = compare(folds, "x", "y")
    assert corrected.p_value == pytest.approx(2 * t9.sf(d.mean() / error))
    assert corrected.ci95 == pytest.approx(t9.ppf(0.975) * error)
    # the plain paired t, without a split to correct for, rejects more readily
    assert compare(plain, "x", "y").p_value == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue)
    assert corrected.p_value > compare(plain, "x", "y").p_value
    assert (
        equivalence(folds, "x", "y", margin=0.02).p_value
        > equivalence(plain, "x", "y", margin=0.02).p_value
    )


def test_runs_on_a_share_of_the_training_split_keep_the_whole_splits_ratio():
    a = [0.70, 0.74, 0.71]
    b = [0.66, 0.69, 0.70]
    d = np.subtract(a, b)
    t2 = scipy_stats.t(df=2)
    folds = pd.DataFrame(accuracy_runs("x", a) + accuracy_runs("y", b)).assign(split="kfold")
    ratio = 0.1 / (0.9 * 0.9)  # a fold's test sentences per sentence of the whole training split
    error = math.sqrt((1 / 3 + ratio) * d.var(ddof=1))
    for share in (1.0, 0.25, 0.1, 0.05):
        # a share's training sets overlap less than the whole split's: no larger correction
        width = compare(folds.assign(train_fraction=share), "x", "y").ci95
        assert width == pytest.approx(t2.ppf(0.975) * error), share
    assert compare(folds, "x", "y").ci95 == pytest.approx(t2.ppf(0.975) * error)


def test_tost_power_is_the_chance_to_show_equivalence_at_a_true_difference_of_zero():
    a = [0.800, 0.812, 0.805, 0.798, 0.809, 0.803]
    b = [0.801, 0.808, 0.807, 0.799, 0.806, 0.805]
    frame = pd.DataFrame(accuracy_runs("x", a) + accuracy_runs("y", b))
    d = np.subtract(a, b)
    t5 = scipy_stats.t(df=5)
    error = d.std(ddof=1) / math.sqrt(6)
    for margin in (0.002, 0.005, 0.02):
        result = equivalence(frame, "x", "y", margin=margin)
        expected = max(0.0, 2 * t5.cdf(margin / error - t5.ppf(0.95)) - 1)
        assert result.power == pytest.approx(expected), margin
    assert equivalence(frame, "x", "y", margin=0.0005).power == 0.0  # margin within the noise
    assert equivalence(frame, "x", "y", margin=0.05).power > 0.99
    assert math.isnan(equivalence(frame.iloc[[0, 6]], "x", "y", margin=0.01).power)


def test_runs_on_a_given_split_are_paired_by_seed_and_the_prose_says_so():
    from w2vcnn.tables import in_words

    frame = pd.DataFrame(
        accuracy_runs("a", [0.80, 0.83, 0.81]) + accuracy_runs("b", [0.78, 0.80, 0.80])
    )
    assert paired_by(frame) == "folds"  # no split column: Kim's folds
    assert paired_by(frame.assign(split="kfold")) == "folds"
    given = frame.assign(split="given")
    assert paired_by(given) == "seeds"
    row = paired_table(given, {"a_vs_b": ("a", "b")}, by="variant", family=False).iloc[0]
    assert row["paired_by"] == "seeds"
    assert "better in 3 of 3 seeds" in in_words(row)


def test_paired_table_of_no_runs_has_no_rows():
    # a page's other datasets, where it ran on one
    empty = pd.DataFrame(columns=["dataset", "variant", "seed", "test_accuracy"])
    table = paired_table(empty, {"a_vs_b": ("a", "b")}, by="variant")
    assert table.empty and table.index.names == ["dataset", "contrast"]
    assert {"difference", "p", "p_holm", "verdict", "paired_by"} <= set(table.columns)


def test_contrasts_carry_the_columns_their_sides_name():
    from w2vcnn.stats import Contrasts

    frame = pd.DataFrame(
        accuracy_runs("a", [0.80, 0.83, 0.81]) + accuracy_runs("b", [0.78, 0.80, 0.80])
    ).rename(columns={"variant": "mode"})
    named = Contrasts("mode", {"a_vs_b": ("a", "b")})
    assert named.by == "mode" and dict(named) == {"a_vs_b": ("a", "b")}
    table = paired_table(frame, named, family=False)  # no by=: the contrasts say it
    assert table.loc[("MR", "a_vs_b"), "difference"] == pytest.approx(0.02)
    with pytest.raises(ValueError):
        paired_table(frame, {"a_vs_b": ("a", "b")})  # a plain mapping: by "variant", not here


def test_contrasts_say_whether_they_are_a_family_and_a_page_may_say_otherwise():
    from w2vcnn.stats import Contrasts

    frame = pd.DataFrame(
        accuracy_runs("a", [0.80, 0.83, 0.81]) + accuracy_runs("b", [0.78, 0.80, 0.80])
    ).rename(columns={"variant": "mode"})
    exploratory = Contrasts("mode", {"a_vs_b": ("a", "b")}, family=False)
    assert "p_holm" not in paired_table(frame, exploratory)
    assert "p_holm" in paired_table(frame, exploratory, family=True)
    primary = Contrasts("mode", {"a_vs_b": ("a", "b")})
    assert "p_holm" in paired_table(frame, primary)
    assert "p_holm" not in paired_table(frame, primary, family=False)  # Q3's other datasets
