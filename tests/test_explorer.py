"""The word explorer's data (neighbours, positions) and the HTML the pages embed; the browser
side is tested on the built book (test_book)."""

import re

import numpy as np
import pandas as pd
import pytest

from w2vcnn import explorer
from w2vcnn.drift import nearest_neighbours


def test_nearest_among_agrees_with_the_neighbour_table():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 6))
    nearest, cosines = explorer.nearest_among(vectors, k=4)
    assert nearest.shape == cosines.shape == (40, 4)
    words = ["<pad>", "<unk>"] + [f"w{i}" for i in range(40)]
    padded = np.vstack([np.zeros((2, 6)), vectors])
    table = nearest_neighbours(words, padded, padded, queries=["w0", "w7"], k=4, sep="|")
    for query, row in zip((0, 7), table.itertuples()):
        assert [w.split()[0] for w in row.before.split("|")] == [f"w{j}" for j in nearest[query]]
    assert (np.diff(cosines, axis=1) <= 0).all()  # nearest first
    assert not (nearest == np.arange(40)[:, None]).any()  # never the word itself
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert cosines[3, 0] == pytest.approx(unit[3] @ unit[nearest[3, 0]])


def test_nearest_among_rejects_a_k_it_cannot_give():
    with pytest.raises(ValueError, match="k must be between 1 and 2"):
        explorer.nearest_among(np.eye(3), k=3)


@pytest.fixture(scope="module")
def tuned(cache):
    from conftest import QUICK
    from w2vcnn.experiments import RunConfig, run

    return run(RunConfig(**{**QUICK, "mode": "non-static", "max_epochs": 3}))


def test_word_map_holds_the_most_frequent_words_with_both_neighbour_lists(tuned):
    from w2vcnn.drift import word_drift

    m = explorer.word_map(tuned, n_words=50, k=5)
    table = word_drift(tuned, min_count=1).sort_values("count", ascending=False, kind="stable")
    assert m.words == table["word"].head(50).tolist()
    assert (np.diff(m.count) <= 0).all()
    assert m.before_xy.shape == m.after_xy.shape == (50, 2)
    assert m.before_neighbours.shape == m.after_cosine.shape == (50, 5)
    assert m.before_neighbours.max() < 50  # indices into the words held
    assert not np.array_equal(m.before_cosine, m.after_cosine)  # a fine-tuned run moved
    assert m.label_names == ["negative", "positive"]
    assert m.run == "seed 0, non-static"  # a holdout split: its runs differ by seed
    assert np.isfinite(m.polarity).all()


def test_word_map_rejects_more_words_than_the_page_can_index(tuned):
    with pytest.raises(ValueError, match="n_words must be between 1 and 32767"):
        explorer.word_map(tuned, n_words=40_000)


def test_the_explorer_is_one_self_contained_output(tuned):
    m = explorer.word_map(tuned, n_words=60, k=5)
    page = explorer.word_explorer({"a": m, "b": m}).data
    assert "Bokeh.safely" in page and "embed_items" in page  # BokehJS inline, then the view
    assert not re.search(r"<script[^>]+src=", page)  # no script fetched from anywhere
    assert page.count('"name":"TabPanel"') == 2  # a tab per dataset
    one = explorer.word_explorer(m).data
    assert '"name":"TabPanel"' not in one and '"name":"AutocompleteInput"' in one
    # the page's data is binary and small: ~60 words here, a few hundred kB for 2,000
    assert len(one) < 2_000_000


def test_the_explorer_needs_a_map():
    with pytest.raises(ValueError, match="at least one WordMap"):
        explorer.word_explorer({})


def test_browse_names_a_missing_pane_column_and_shows_nothing(capsys):
    frame = pd.DataFrame({"mode": ["static"], "test": [0.8]})
    with pytest.raises(ValueError, match=r"no column \['fold'\] to filter by"):
        explorer.browse(frame, panes=("mode", "fold"))
    assert capsys.readouterr().out == ""
    assert list(frame.columns) == ["mode", "test"]  # the caller's frame untouched
