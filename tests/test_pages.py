"""w2vcnn.pages: the profile note every chapter shows, and the glued numbers its prose quotes."""

import pandas as pd
import pytest

from w2vcnn import pages, profile, stats


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


def test_glue_key_joins_parts_into_one_identifier():
    assert (
        pages.glue_key("q1", "rt-polarity", "non_static_vs_static")
        == "q1_rt_polarity_non_static_vs_static"
    )
    assert pages.glue_key("q3", "SST 1", 2) == "q3_SST_1_2"
    assert pages.glue_key("sweep", "rt-polarity", "5%", "static − rand") == (
        "sweep_rt_polarity_5_static_rand"
    )


def test_glue_cells_glues_every_cell_under_its_row_and_column(glued):
    frame = pd.DataFrame(
        {"static − rand": ["+1.0 ± 0.5", "-2.0 ± 1.0"]},
        index=pd.MultiIndex.from_tuples([("rt-polarity", "5%"), ("rt-polarity", "100%")]),
    )
    names = pages.glue_cells("sweep", frame)
    assert names == ["sweep_rt_polarity_5_static_rand", "sweep_rt_polarity_100_static_rand"]
    assert glued == [(names[0], "+1.0 ± 0.5", False), (names[1], "-2.0 ± 1.0", False)]


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
        assert texts[name] == stats.in_words(row)
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


def test_interval_verdict_reads_the_interval_not_the_mean():
    assert pages.interval_verdict(2.0, 1.5) == "higher"
    assert pages.interval_verdict(-2.0, 1.5) == "lower"
    assert pages.interval_verdict(-2.0, 2.5) == "no clear difference"
    assert pages.interval_verdict(3.0, float("nan")) == "no clear difference"


def test_glue_curve_glues_each_corpus_facts_and_verdicts(glued):
    curve = pd.DataFrame(
        {
            "tokens": [6394112],
            "types covered (%)": [68.9],
            "WordSim353 ρ": [0.552],
            "cos(good, bad)": [0.783],
            "static − rand (points)": [-6.7],
            "static − rand, 95% CI ±": [4.3],
            "non-static − rand (points)": [-2.4],
            "non-static − rand, 95% CI ±": [2.6],
        },
        index=["general English"],
    )
    pages.glue_curve("curve", curve)
    assert dict((name, value) for name, value, _ in glued) == {
        "curve_general_English_tokens": "6.4 M",
        "curve_general_English_types": "69%",
        "curve_general_English_wordsim": "0.55",
        "curve_general_English_good_bad": "0.78",
        "curve_general_English_static": "-6.7 ± 4.3 points",
        "curve_general_English_static_verdict": "lower",
        "curve_general_English_non_static": "-2.4 ± 2.6 points",
        "curve_general_English_non_static_verdict": "no clear difference",
    }
