"""Display code: numbers as text and tables."""

import math
import re

import pandas as pd
import pytest

from conftest import T_975_DF2, accuracy_runs
from w2vcnn.stats import aggregate, paired_table
from w2vcnn.tables import (
    contrast_table,
    curve_table,
    dataset_in_words,
    drift_over_folds_table,
    elsewhere_in_words,
    format_cells,
    format_table,
    in_words,
    kim_gaps,
    kim_table,
    p_text,
    pair_moved,
    points,
    polarity_scope,
    show,
    sweep_table,
)

# ---------------------------------------------------------------- numbers as text


def bold_cells(styler):
    """(row, column) labels of the cells the Styler's HTML makes bold."""
    styler.set_uuid("t")
    html = styler.to_html()
    data = styler.data
    bold = set()
    for rule in html.split("}"):
        if "font-weight: bold" in rule:
            for row, col in re.findall(r"#T_t_row(\d+)_col(\d+)", rule):
                bold.add((data.index[int(row)], data.columns[int(col)]))
    return bold


def test_format_cells_show_mean_and_interval_in_percent(grid):
    cells = format_cells(aggregate(grid))
    assert list(cells.index) == ["static", "rand"] and list(cells.columns) == ["MR", "SST-1"]
    assert (
        cells.loc["static", "MR"]
        == f"82.0 ± {100 * T_975_DF2 * 0.02 / math.sqrt(3):.1f}"
        == "82.0 ± 5.0"
    )
    assert cells.loc["rand", "MR"] == "75.0"  # one run: no interval
    assert "±" in cells.loc["rand", "SST-1"]


def test_format_table_bolds_the_best_of_each_column(grid):
    styler = format_table(aggregate(grid), caption="Test accuracy (%)")
    html = styler.to_html()
    assert "±" in html and "Test accuracy (%)" in html
    assert bold_cells(styler) == {("static", "MR"), ("static", "SST-1")}


def test_format_table_bolds_ties_as_displayed():
    frame = pd.DataFrame(
        accuracy_runs("a", [0.81201]) + accuracy_runs("b", [0.81199]) + accuracy_runs("c", [0.5])
    )
    assert bold_cells(format_table(aggregate(frame))) == {("a", "MR"), ("b", "MR")}


def test_format_table_reference_column(grid):
    kim = {"MR (Kim 2014)": {"rand": 76.1, "static": 81.0, "multichannel": 81.1}}
    styler = format_table(aggregate(grid), reference=kim)
    cells = styler.data
    assert list(cells.columns) == ["MR", "SST-1", "MR (Kim 2014)"]
    assert list(cells.index) == ["static", "rand", "multichannel"]
    assert cells.loc["rand", "MR (Kim 2014)"] == "76.1"
    assert cells.loc["multichannel", "MR"] == "—"  # only Kim ran it
    assert all(column != "MR (Kim 2014)" for _, column in bold_cells(styler))
    assert "MR (Kim 2014)" in styler.to_html()


def test_format_cells_missing_cell_and_plain_text():
    frame = pd.DataFrame(accuracy_runs("a", [0.8, 0.9]) + accuracy_runs("b", [0.7], dataset="TREC"))
    cells = format_cells(aggregate(frame))
    assert cells.loc["b", "MR"] == "—" and cells.loc["a", "TREC"] == "—"
    assert "85.0 ± " in cells.to_string()


def test_show_rounds_hides_the_index_and_marks_missing():
    frame = pd.DataFrame(
        {"word": ["good", "bad"], "drift": [0.123456, float("nan")], "count": [1234, 5]}
    )
    html = show(frame, decimals=2, index=False, caption="Drift").to_html()
    assert "0.12" in html and "0.123456" not in html and "—" in html and "1,234" in html
    assert "<caption>Drift</caption>" in html
    assert 'class="row_heading' not in html  # no index column


def test_in_words_reads_a_paired_table_row_from_its_numbers(paired):
    frame, _, _ = paired
    contrast = {"non_static_vs_static": ("non-static", "static")}
    table = paired_table(frame[frame["dataset"] != "SST-1"], contrast)
    text = in_words(table.iloc[0])
    p_holm = p_text(table.iloc[0]["p_holm"])
    assert text.startswith("+1.2 ± ")
    assert text.endswith(f" points, better in 4 of 5 folds; Holm-adjusted p = {p_holm}")
    exploratory = paired_table(frame[frame["dataset"] != "SST-1"], contrast, family=False)
    assert "p_holm" not in exploratory.columns
    p = p_text(exploratory.iloc[0]["p"])
    assert in_words(exploratory.iloc[0]).endswith(f"; p = {p}, unadjusted")


def test_points_and_p_values_as_text():
    assert points(0.0123, 0.0081) == "+1.2 ± 0.8" and points(-0.02) == "-2.0"
    assert points(float("nan")) == "—" and points(0.01, float("nan")) == "+1.0"
    assert p_text(0.0004) == "< 0.001" and p_text(0.0496) == "0.050"
    assert p_text(float("nan")) == "—"


def test_contrast_table_shows_the_numbers_in_points_with_the_verdict_decided_on_them(paired):
    frame, _, _ = paired
    mr = frame[frame["dataset"] == "MR"]
    table = paired_table(mr, {"tuning": ("non-static", "static")}, by="variant")
    shown = contrast_table(table)
    assert list(shown.columns) == [
        "comparison",
        "a − b (points)",
        "p (paired t)",
        "p (Holm)",
        "a better",
        "verdict",
    ]
    row = shown.iloc[0]
    assert row["a − b (points)"] == points(table.iloc[0]["difference"], table.iloc[0]["ci95"])
    assert row["a better"] == "4 of 5" and row["verdict"] == table.iloc[0]["verdict"]
    assert table.iloc[0]["difference"] == pytest.approx(0.012)  # the numbers stay numbers


def test_curve_table_formats_each_fact_and_joins_each_difference_with_its_interval():
    curve = pd.DataFrame(
        {
            "tokens": [165194.0, 6.4e6],
            "word2vec_epochs": [20, 5],
            "in_domain_passes": [20, 0],
            "vocabulary": [18000, 60000],
            "types_covered": [0.9893, 0.6893],
            "tokens_covered": [0.995, 0.9],
            "wordsim": [0.241, 0.512],
            "wordsim_oov": [0.2, 0.05],
            "simlex": [0.1, 0.2],
            "analogies": [0.01, 0.1],
            "analogies_oov": [0.5, 0.1],
            "cos_good_bad": [0.7, float("nan")],
            "static_difference": [-0.0244, 0.01],
            "static_ci95": [0.0104, float("nan")],
            "static_verdict": ["lower", "no clear difference"],
            "non_static_difference": [0.0, 0.0],
            "non_static_ci95": [0.01, 0.01],
            "non_static_verdict": ["no clear difference"] * 2,
        },
        index=pd.Index(["in_domain", "general"], name="corpus"),
    )
    table = curve_table(curve)
    assert list(table.columns) == ["in-domain", "general English"]
    assert table.loc["tokens", "in-domain"] == "165,194"
    assert table.loc["types covered (%)", "general English"] == "68.93"
    assert table.loc["cos(good, bad)", "general English"] == "—"
    assert table.loc["static − rand (points)", "in-domain"] == "-2.4 ± 1.0"
    assert table.loc["static − rand (points)", "general English"] == "+1.0"
    assert table.loc["static − rand: verdict", "in-domain"] == "lower"


def test_drift_over_folds_table_gives_each_fact_in_its_unit_under_its_label():
    summary = pd.DataFrame(
        {
            "dataset": ["rt-polarity"] * 2,
            "corpus": ["in_domain"] * 2,
            "fact": ["angle_polar_words", "lost"],
            "runs": [10, 10],
            "mean": [1.234, 0.0321],
            "ci95": [0.21, 0.004],
        }
    ).set_index(["dataset", "corpus", "fact"])
    table = drift_over_folds_table(summary)
    assert list(table.columns) == ["rt-polarity, in-domain"]
    assert table.loc["runs", "rt-polarity, in-domain"] == "10"
    assert table.loc["angle, polar words (°)", "rt-polarity, in-domain"] == "1.23 ± 0.21"
    assert table.loc["lost (points)", "rt-polarity, in-domain"] == "3.21 ± 0.4"


def test_sweep_table_puts_each_contrast_in_a_column_of_points():
    from w2vcnn.study import SWEEP_CONTRASTS

    rows = [
        {"dataset": "rt-polarity", "train_fraction": f, "contrast": name}
        | {"difference": 0.01 * i, "ci95": 0.005, "p": 0.5, "verdict": "no clear difference"}
        for f in (0.05, 1.0)
        for i, name in enumerate(SWEEP_CONTRASTS)
    ]
    frame = pd.DataFrame(rows).set_index(["dataset", "train_fraction", "contrast"])
    table = sweep_table(frame, SWEEP_CONTRASTS)
    assert list(table.columns) == ["static − rand", "non-static − rand", "non-static − TF-IDF"]
    assert list(table.index) == [("rt-polarity", "5%"), ("rt-polarity", "100%")]
    assert table.loc[("rt-polarity", "5%"), "non-static − rand"] == "+1.0 ± 0.5"


def test_pair_moved_says_how_two_words_moved_or_that_one_is_missing():
    assert pair_moved("good", "bad", 0.6, 0.5).endswith("fine-tuning moved them apart")
    assert "0.600 to 0.700" in pair_moved("good", "bad", 0.6, 0.7)
    assert pair_moved("good", "bad", 0.6, 0.7).endswith("closer together")
    assert "is not among the words" in pair_moved("good", "bad", math.nan, math.nan)


def test_polarity_scope_names_the_datasets_with_more_than_two_classes():
    facts = pd.DataFrame({"classes": [2, 6]}, index=["mr", "trec"])
    assert polarity_scope(facts).startswith("Polarity, a word's lean toward one class of two")
    assert "trec (6 classes)" in polarity_scope(facts) and "mr" not in polarity_scope(facts)
    assert polarity_scope(facts.loc[["mr"]]) == ""


def test_kim_table_and_gaps_set_his_numbers_beside_ours():
    versus = pd.DataFrame(
        {
            "kim_dataset": ["MR", "MR", "TREC"],
            "ours": [74.04, 78.96, 90.0],
            "kim": [76.1, 81.5, 91.2],
        },
        index=pd.MultiIndex.from_tuples(
            [("mr", "rand"), ("mr", "non-static"), ("trec", "rand")], names=["dataset", "mode"]
        ),
    )
    versus["difference"] = versus["ours"] - versus["kim"]
    table = kim_table(versus)
    assert list(table.index) == [
        ("mr vs MR", "rand"),
        ("mr vs MR", "non-static"),
        ("trec vs TREC", "rand"),
    ]
    assert table.loc[("mr vs MR", "non-static"), "ours − Kim"] == pytest.approx(-2.5)
    gaps = kim_gaps(versus)
    assert "lands -2.1 to -1.2 points" in gaps and "land -2.5 points" in gaps
    assert "None of the datasets" in kim_gaps(versus.iloc[:0])
    assert "lands -2.1 points" in kim_gaps(versus.iloc[:2])  # one dataset: one number


def test_dataset_in_words_says_size_classes_balance_and_split():
    kfold = pd.Series(
        {"examples": 12752, "classes": 2, "majority_share": 0.58, "split": "kfold", "kim": "MR"}
    )
    assert dataset_in_words("rt-polarity", kfold) == (
        "rt-polarity (12,752 sentences, 2 classes, the largest 58%, compared with Kim's MR; "
        "10-fold cross-validation)"
    )
    given = pd.Series(
        {
            "examples": 180,
            "classes": 3,
            "majority_share": 1 / 3,
            "split": "given",
            "train": 130,
            "dev": 14,
            "test": 36,
            "kim": math.nan,
        }
    )
    assert dataset_in_words("trec", given) == (
        "trec (180 sentences, 3 classes, the largest 33%; its given split, 130/14/36 "
        "train/dev/test, seeds in place of folds)"
    )


def test_elsewhere_in_words_names_each_other_dataset_and_is_empty_without_one():
    frame = pd.DataFrame(
        accuracy_runs("static", [0.80, 0.82, 0.81], dataset="subj")
        + accuracy_runs("rand", [0.78, 0.79, 0.80], dataset="subj")
    )
    table = paired_table(frame, {"static_vs_rand": ("static", "rand")}, by="variant", family=False)
    text = elsewhere_in_words(table)
    assert text.startswith("On the other datasets (exploratory): `static_vs_rand` on subj **")
    assert "better in 3 of 3 folds; p = " in text and text.endswith("unadjusted).")
    assert elsewhere_in_words(table.iloc[:0]) == ""


def test_the_machine_is_said_in_words_and_labelled_only_for_the_page():
    from w2vcnn.tables import environment_table, machine_in_words

    facts = {
        "cpu": "AMD EPYC",
        "cores": 2,
        "vector_extensions": "avx2 fma",
        "sgemm_1_thread": 80.8,
        "sgemm_all_cores": 166.0,
    }
    assert machine_in_words(facts) == (
        "AMD EPYC (2 cores, avx2 fma; sgemm 166 GFLOP/s on all cores, 81 on one)"
    )
    table = environment_table({**facts, "torch": "2.13.0"})
    assert table.loc["sgemm GFLOP/s, 2 threads", "value"] == 166.0
    assert table.loc["CPU", "value"] == "AMD EPYC" and table.loc["torch", "value"] == "2.13.0"


def test_split_scope_names_the_datasets_that_keep_their_split():
    from w2vcnn.tables import split_scope

    facts = pd.DataFrame({"split": ["kfold", "given"]}, index=["mr", "trec"])
    assert split_scope(facts).startswith(
        "On trec, which keeps a given split, the runs differ by seed"
    )
    assert split_scope(facts.loc[["mr"]]) == ""


def test_the_recipe_table_numbers_the_steps_and_says_each_in_words():
    from w2vcnn import study
    from w2vcnn.tables import RECIPE_STEPS, recipe_table

    assert list(RECIPE_STEPS) == [*study.RECIPE_QUOTED, *study.RECIPE_CONTRASTS]
    names = list(RECIPE_STEPS)
    evidence = pd.DataFrame(
        {"a": "x", "b": "y", "difference": 0.01, "ci95": 0.02, "p": 0.3, "wins": 2, "pairs": 3,
         "verdict": "no clear difference"},
        index=names,
    )  # fmt: skip
    shown = recipe_table(evidence)
    assert list(shown.index) == list(range(1, len(names) + 1))  # the prose cites rows by number
    assert list(shown["step"]) == [RECIPE_STEPS[n] for n in names]
    assert list(shown.columns[:3]) == ["step", "a", "b"]
    assert shown.iloc[0]["a − b (points)"] == points(0.01, 0.02)


def test_the_catalogue_table_says_what_to_call_and_what_is_compared():
    from w2vcnn import profile, study
    from w2vcnn.tables import MISSING, catalogue_table

    shown = catalogue_table(study.catalogue(profile.named("quick"))).set_index("experiment")
    assert shown.index[0] == "embedding_modes"
    assert shown.loc["embedding_modes", "pages"] == "Q2, Q3"
    assert shown.loc["scaled_rand", "pages"] == "(part of another)"
    contrasts = shown["contrasts (how many; by)"]
    assert contrasts["stopping_rules"] == "STOPPING_CONTRASTS (5; mode, rule)"
    assert contrasts["backends"] == "equivalent within ±1 point (TOST)"
    assert contrasts["tfidf"] == MISSING
    assert contrasts["headline"] == "MODE_CONTRASTS (primary), MODE_EXPLORATORY (6; mode)"
    assert contrasts["cbow_alpha"] == "ALPHA_CONTRASTS (4; mode, init, word2vec_alpha)"


def test_an_exploratory_direction_says_so_and_a_holm_adjusted_one_does_not():
    from w2vcnn.tables import row_verdict, verdict_in_words

    assert verdict_in_words("higher", adjusted=False) == "higher (exploratory)"
    assert verdict_in_words("lower", adjusted=True) == "lower"
    assert verdict_in_words("no clear difference", adjusted=False) == "no clear difference"
    family = pd.Series({"difference": 0.02, "p": 0.01, "p_holm": 0.03, "verdict": "higher"})
    assert row_verdict(family) == "higher"
    assert row_verdict(family.drop("p_holm")) == "higher (exploratory)"


def test_drift_fact_shows_exact_agreement_as_zero_not_rounding_noise():
    from w2vcnn.tables import drift_fact

    assert drift_fact("cos_good_bad_before", 0.759, 3.4e-16) == "0.759 ± 0"
    assert drift_fact("cos_good_bad_before", 0.759, 0.034) == "0.759 ± 0.034"
    assert drift_fact("cos_good_bad_before", float("nan")) == "—"
