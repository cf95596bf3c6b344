"""w2vcnn.data: the datasets known by name (our two, built offline from a registry package, and
Kim's, from their canonical addresses) and what an unknown name or a missing download says."""

import numpy as np
import pytest

from conftest import snapshot
from w2vcnn import data
from w2vcnn._io import DataError
from w2vcnn.data import load_dataset, split_sentences

# -------------------------------------------------------------- the offline rt datasets (real data)


@pytest.fixture(scope="module")
def polarity():
    return load_dataset("rt-polarity")


def test_rt_polarity_matches_the_published_source(polarity):
    assert 12_700 <= len(polarity) <= 12_808
    assert polarity.label_names == ["negative", "positive"]
    counts = np.bincount(polarity.labels)
    assert 5_300 <= counts[0] <= 5_405 and 7_300 <= counts[1] <= 7_403
    assert len(set(polarity.texts)) == len(polarity)  # exact duplicates dropped
    assert len(polarity.unlabeled) > 5_000  # IMDb plot sentences


def test_rt_subjectivity_is_balanced_and_long_enough():
    subj = load_dataset("rt-subjectivity")
    assert len(subj) == 10_000 and np.bincount(subj.labels).tolist() == [5_000, 5_000]
    assert all(len(data.tokenize(t)) >= 10 for t in subj.texts)
    assert not set(subj.texts) & set(subj.unlabeled)


def test_the_rotten_tomatoes_rows_are_read_again_when_the_file_changes(isolated_data):
    csv = isolated_data / "rt" / "rotten_tomatoes_corpus_full.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text("category,text,movie_name\nfresh,Good.,a\n")
    assert [row["text"] for row in data.rotten_tomatoes_rows()] == ["Good."]
    # parsed once per process, but never served stale
    csv.write_text("category,text,movie_name\nfresh,Good.,a\nrotten,Bad.,b\n")
    assert [row["text"] for row in data.rotten_tomatoes_rows()] == ["Good.", "Bad."]


def test_split_sentences_keeps_abbreviations_and_quotes():
    text = 'Dr. No meets Mr. Bond. "Run!" he says. Then 3 men arrive? Yes.'
    assert split_sentences(text) == [
        "Dr. No meets Mr. Bond.",
        '"Run!" he says.',
        "Then 3 men arrive?",
        "Yes.",
    ]


# -------------------------------------------------------- bad input: a clear error, nothing changed


def _assert_unchanged(folder, before):
    assert snapshot(folder) == before


def _data_folder_with_a_cached_file(folder):
    (folder / "downloads").mkdir(parents=True)
    (folder / "downloads" / "kept.bin").write_bytes(b"a cached download")
    return snapshot(folder)


def test_unknown_name_lists_the_known_ones(isolated_data):
    before = _data_folder_with_a_cached_file(isolated_data)
    with pytest.raises(
        DataError, match=r"unknown dataset 'imdb'.*rt-polarity, rt-subjectivity, mr, subj, trec"
    ):
        load_dataset("imdb")
    _assert_unchanged(isolated_data, before)


def test_canonical_download_without_network_says_how_to_use_a_local_copy(
    isolated_data, monkeypatch
):
    unreachable = data.Source(
        "http://127.0.0.1:9/rt-polarity.v1.tar.gz", "rt-polarity.v1.tar.gz", "0" * 64
    )
    monkeypatch.setitem(data.CANONICAL, "mr", ("MR", [unreachable]))
    before = _data_folder_with_a_cached_file(isolated_data)
    with pytest.raises(
        DataError,
        match=r"cannot download rt-polarity\.v1\.tar\.gz .*load_dataset\('mr', path=\.\.\.\)",
    ):
        load_dataset("mr")
    _assert_unchanged(isolated_data, before)  # no partial download left anywhere
