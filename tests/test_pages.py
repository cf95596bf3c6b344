"""w2vcnn.pages: the profile note every chapter shows, and the glued numbers its prose quotes."""

import dataclasses

import pandas as pd
import pytest

from w2vcnn import pages, profile, stats
from w2vcnn.tables import in_words


def runs(dataset, mode, accuracies):
    return [
        {"dataset": dataset, "mode": mode, "fold": fold, "test_accuracy": acc}
        for fold, acc in enumerate(accuracies)
    ]


@pytest.fixture
def table():
    frame = pd.DataFrame(
        runs("rt-polarity", "non-static", [0.80, 0.82, 0.81])
        + runs("rt-polarity", "static", [0.78, 0.81, 0.80])
        + runs("rt-polarity", "rand", [0.74, 0.75, 0.77])
        + runs("subj", "non-static", [0.90, 0.91])
        + runs("subj", "static", [0.89, 0.91])
        + runs("subj", "rand", [0.88, 0.86])
    )
    return stats.paired_table(
        frame,
        {"non_static_vs_static": ("non-static", "static"), "static_vs_rand": ("static", "rand")},
        by="mode",
    )


@pytest.fixture
def glued(monkeypatch):
    """Record what pages glues instead of handing it to a running notebook."""
    import myst_nb

    calls = []
    monkeypatch.setattr(
        myst_nb, "glue", lambda name, value, display=True: calls.append((name, value, display))
    )
    return calls


def test_glue_key_joins_names_and_refuses_a_display_label():
    assert (
        pages.glue_key("q1", "rt-polarity", "non_static_vs_static")
        == "q1_rt_polarity_non_static_vs_static"
    )
    assert pages.glue_key("sweep", "rt-polarity", 5, "static_vs_rand") == (
        "sweep_rt_polarity_5_static_vs_rand"
    )
    for label in ("static − rand", "general English", "5%", "cos(good, bad)"):
        with pytest.raises(ValueError, match="not a name"):
            pages.glue_key("q3", label)


def test_glue_sweep_names_each_share_by_its_percent_and_contrast(glued):
    differences = pd.DataFrame(
        {
            "dataset": ["rt-polarity", "rt-polarity"],
            "train_fraction": [0.05, 1.0],
            "contrast": ["static_vs_rand", "static_vs_rand"],
            "difference": [0.01, -0.02],
            "ci95": [0.005, 0.01],
        }
    ).set_index(["dataset", "train_fraction", "contrast"])
    names = pages.glue_sweep("sweep", differences)
    assert names == [
        "sweep_rt_polarity_5_static_vs_rand",
        "sweep_rt_polarity_100_static_vs_rand",
        "sweep_5_static_vs_rand",  # every dataset's, for prose that names none
        "sweep_100_static_vs_rand",
    ]
    assert glued[:2] == [(names[0], "+1.0 ± 0.5", False), (names[1], "-2.0 ± 1.0", False)]
    across = {name: value.data for name, value, _ in glued[2:]}
    assert across == {
        "sweep_5_static_vs_rand": "+1.0 ± 0.5 points on rt-polarity",
        "sweep_100_static_vs_rand": "-2.0 ± 1.0 points on rt-polarity",
    }


def test_glue_across_datasets_names_each_dataset_once_per_contrast(table, glued):
    names = pages.glue_across_datasets("q1", table)
    assert names == [
        "q1_non_static_vs_static",
        "q1_non_static_vs_static_verdicts",
        "q1_static_vs_rand",
        "q1_static_vs_rand_verdicts",
    ]
    texts = {name: value.data for name, value, _ in glued}
    row = table.loc[("rt-polarity", "static_vs_rand")]
    assert texts["q1_static_vs_rand"].startswith(
        f"on rt-polarity **{row['verdict']}** ({in_words(row)}), on subj **"
    )
    assert texts["q1_non_static_vs_static_verdicts"] == (
        f"on rt-polarity **{table.loc[('rt-polarity', 'non_static_vs_static'), 'verdict']}**, "
        "on subj **no clear difference**"
    )


def test_glue_drift_across_datasets_leaves_out_what_a_dataset_cannot_tell(glued):
    summary = pd.DataFrame(
        {
            "dataset": ["binary", "topics", "binary", "topics"],
            "corpus": ["in_domain"] * 4,
            "fact": ["lost", "lost", "angle_polar_words", "angle_polar_words"],
            "mean": [0.012, 0.021, 3.5, float("nan")],  # no polarity with 3 classes
        }
    ).set_index(["dataset", "corpus", "fact"])
    pages.glue_drift("drift", summary)
    texts = {name: getattr(value, "data", value) for name, value, _ in glued}
    assert texts["drift_lost_in_domain"] == "1.2 on binary and 2.1 on topics"
    assert texts["drift_angle_polar_words_in_domain"] == "3.5 on binary"
    assert texts["drift_angle_polar_words_topics_in_domain"] == "—"


def test_glue_contrasts_glues_every_row_in_words_and_its_verdict(table, glued):
    names = pages.glue_contrasts("q1", table)
    rows = [
        "q1_rt_polarity_non_static_vs_static",
        "q1_rt_polarity_static_vs_rand",
        "q1_subj_non_static_vs_static",
        "q1_subj_static_vs_rand",
    ]
    expected = [name for row in rows for name in (row, f"{row}_verdict")]
    assert names == expected
    assert [name for name, _, _ in glued] == expected
    texts = dict((name, text) for name, text, _ in glued)
    for name, (_, row) in zip(rows, table.iterrows()):
        assert texts[name] == in_words(row)
        assert texts[f"{name}_verdict"] == row["verdict"]
    assert all(display is False for _, _, display in glued)  # for the prose, not shown here
    assert texts["q1_rt_polarity_static_vs_rand"].startswith("+4.3 ± ")
    assert (
        " points, better in 3 of 3 folds; Holm-adjusted p = "
        in (texts["q1_rt_polarity_static_vs_rand"])
    )
    assert texts["q1_subj_non_static_vs_static"].startswith(
        "+0.5 ± 6.4 points, better in 1 of 2 folds"
    )
    assert texts["q1_subj_non_static_vs_static_verdict"] == "no clear difference"
    # the same rows unadjusted (an exploratory table): a direction says it is exploratory
    glued.clear()
    pages.glue_contrasts("ex", table.drop(columns="p_holm"))
    texts = dict((name, text) for name, text, _ in glued)
    for name, (_, row) in zip(rows, table.iterrows()):
        directional = row["verdict"] != "no clear difference"
        said = f"{row['verdict']} (exploratory)" if directional else row["verdict"]
        assert texts["ex" + name[2:] + "_verdict"] == said


def test_glue_contrasts_of_an_empty_selection_glues_nothing(table, glued):
    assert pages.glue_contrasts("q1", table.iloc[:0]) == [] and glued == []


def test_quick_profile_note_says_the_numbers_are_not_the_results():
    from IPython.display import Markdown

    note = pages.profile_note(profile.named("quick"))
    assert isinstance(note, Markdown)
    assert "`quick` profile" in note.data
    assert "they are not the study's results" in note.data
    assert "1 of 10 stratified folds" in note.data and "2,000 examples per dataset" in note.data


def test_full_profile_note():
    note = pages.profile_note(profile.named("full"))
    assert "full profile" in note.data
    assert "not the study's results" not in note.data
    assert "10 of 10 stratified folds for the headline grids, 3 for the others" in note.data
    assert "all examples" in note.data


def test_a_note_names_the_readers_vectors_when_the_book_uses_them(tmp_path):
    import dataclasses

    import numpy as np
    from gensim.models import KeyedVectors

    from w2vcnn.word2vec_format import save_vectors

    kv = KeyedVectors(6)
    kv.add_vectors(["good", "bad"], np.ones((2, 6), dtype=np.float32))
    save_vectors(kv, tmp_path / "GoogleNews-small.bin")
    p = dataclasses.replace(profile.named("quick"), vectors=str(tmp_path / "GoogleNews-small.bin"))
    note = pages.profile_note(p).data
    assert "Pretrained vectors: `GoogleNews-small.bin`** (6-d, sha256 " in note
    assert "Pretrained vectors" not in pages.profile_note(profile.named("quick")).data


def test_the_prose_names_our_vectors_by_their_corpus_and_yours_by_the_file():
    import dataclasses
    from types import SimpleNamespace

    results = [SimpleNamespace(vectors={"corpus_tokens": n}) for n in (300_000, 400_000)]
    ours = pages.vectors_in_words(profile.named("full"), results)
    assert ours == "word vectors trained on about 0.35 million tokens of in-domain text"
    yours = dataclasses.replace(profile.named("full"), vectors="/data/GoogleNews.bin")
    assert pages.vectors_in_words(yours, results) == "your vectors (GoogleNews.bin)"


def test_glue_curve_glues_each_corpus_facts_and_verdicts(glued):
    curve = pd.DataFrame(
        {
            "tokens": [6394112],
            "types_covered": [0.689],
            "wordsim": [0.552],
            "cos_good_bad": [0.783],
            "static_difference": [-0.067],
            "static_ci95": [0.043],
            "static_verdict": ["lower"],
            "non_static_difference": [-0.024],
            "non_static_ci95": [0.026],
            "non_static_verdict": ["no clear difference"],
        },
        index=["general"],
    )
    pages.glue_curve("curve", curve)
    assert dict((name, value) for name, value, _ in glued) == {
        "curve_general_tokens": "6.4 M",
        "curve_general_types_covered": "69%",
        "curve_general_wordsim": "0.55",
        "curve_general_cos_good_bad": "0.78",
        "curve_general_static": "-6.7 ± 4.3 points",
        "curve_general_static_verdict": "lower (exploratory)",  # the curve is unadjusted
        "curve_general_non_static": "-2.4 ± 2.6 points",
        "curve_general_non_static_verdict": "no clear difference",
    }


def test_glue_drift_names_each_fact_by_its_field_dataset_and_corpus(glued):
    summary = pd.DataFrame(
        {
            "dataset": ["rt-polarity", "rt-polarity"],
            "corpus": ["general", "general"],
            "fact": ["lost", "angle_polar_words"],
            "runs": [3, 3],
            "mean": [0.0321, 1.234],
            "ci95": [0.01, 0.2],
        }
    ).set_index(["dataset", "corpus", "fact"])
    assert pages.glue_drift("drift", summary)[:2] == [
        "drift_lost_rt_polarity_general",
        "drift_angle_polar_words_rt_polarity_general",
    ]
    assert [value for _, value, _ in glued[:2]] == ["3.21", "1.23"]  # accuracies in points
    # the swap-back loss, with its test where the runs give one
    tested = {name: getattr(value, "data", value) for name, value, _ in glued}
    assert (
        tested["drift_lost_tested_general"] == "+3.2 ± 1.0 points on rt-polarity (3 runs; no test)"
    )
    glued.clear()
    pages.glue_drift("drift", summary.assign(p=[0.004, float("nan")]))
    tested = {name: getattr(value, "data", value) for name, value, _ in glued}
    assert tested["drift_lost_tested_general"] == (
        "+3.2 ± 1.0 points on rt-polarity (3 runs; **a loss**, p = 0.004, unadjusted)"
    )


def test_glue_backends_glues_the_pooled_test_and_each_modes_sentences(glued):
    common = {"margin": 0.01, "equivalent": False, "power": 0.3, "same_prediction": 0.9}
    agreement = pd.DataFrame.from_dict(
        {
            "rand": common
            | {"tost_p": 0.2, "difference": 0.001, "ci90_low": -0.01, "ci90_high": 0.012}
            | {"mcnemar_p": 0.5, "sentence_difference": 0.002, "sentence_ci95": 0.004},
            "all modes": common
            | {"tost_p": 0.3, "difference": 0.0, "ci90_low": -0.005, "ci90_high": 0.02}
            | {"mcnemar_p": float("nan"), "sentence_difference": float("nan")},
        },
        orient="index",
    )
    pages.glue_backends("q1_backends", agreement)
    texts = {name: value for name, value, _ in glued}
    assert texts["q1_backends_equivalent"] == "not shown"
    assert texts["q1_backends_runs_ci"] == "[-0.50, +2.00]"
    assert texts["q1_backends_same"] == "90.0" and texts["q1_backends_mcnemar"] == "0.50"
    assert texts["q1_backends_difference"] == "+0.20 ± 0.40"


def test_a_chapter_says_what_executing_it_trains(isolated_data):
    from w2vcnn import study

    full = profile.named("full")
    text = pages.chapter_cost(full, "Q2 vec.bin")
    runs = {
        name: len({c.validated() for c in study.chapter_grids(profile.named(name))["Q2 vec.bin"]})
        for name in ("full", "quick")
    }
    assert f"asks for {runs['full']:,} runs in the full profile and {runs['quick']:,}" in text
    assert f"Of this profile's {runs['full']:,}, 0 are in this cache" in text
    assert f"the other {runs['full']:,} train when the chapter runs" in text
    assert 'P = profile.current("quick")' in text
    quick = pages.chapter_cost(profile.named("quick"), "Q2 vec.bin")
    assert 'profile.current("quick")' not in quick
    assert 'P = profile.current(datasets=["my.csv"])' in quick and "my.csv" in text
    # counted on the profile's datasets: one dataset asks for fewer runs than our two
    one = dataclasses.replace(full, datasets=("rt-polarity",))
    runs_on_one = len({c.validated() for c in study.chapter_grids(one)["Q2 vec.bin"]})
    assert 0 < runs_on_one < runs["full"]
    assert f"asks for {runs_on_one:,} runs in the full profile" in pages.chapter_cost(
        one, "Q2 vec.bin"
    )
    note = pages.profile_note(full, chapter="Q2 vec.bin").data
    assert note.endswith(text)
