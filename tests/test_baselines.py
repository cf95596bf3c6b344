import numpy as np
import pytest

from w2vcnn import baselines
from w2vcnn.baselines import tfidf_logistic_regression

FILLER = "the a movie film plot story was is it this and very quite rather".split()
SENTIMENT = {0: ["bad", "awful", "dull"], 1: ["good", "great", "fun"]}


def sentences(n, seed, classes=SENTIMENT, extra_word=None):
    """``n`` filler sentences, each carrying one word of its class: separable by a single token."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(classes)
    texts = []
    for label in labels:
        words = list(rng.choice(FILLER, size=6)) + [rng.choice(classes[label])]
        if extra_word:
            words.append(extra_word)
        rng.shuffle(words)
        texts.append(" ".join(words))
    return texts, labels


@pytest.fixture
def parts():
    return (
        sentences(200, seed=1),
        sentences(40, seed=2),
        sentences(40, seed=3, extra_word="zyzzyva"),
    )


def test_separable_data_is_classified_perfectly(parts):
    result = tfidf_logistic_regression(*parts)
    assert result["test_accuracy"] == 1.0
    assert result["test_predictions"] == parts[2][1].tolist()
    assert all(type(p) is int for p in result["test_predictions"])
    assert result["features"] > 0
    assert result["train_seconds"] > 0


def test_C_is_the_best_on_dev(parts):
    Cs = (0.01, 1, 100)
    result = tfidf_logistic_regression(*parts, Cs=Cs)
    assert list(result["dev_by_C"]) == [float(C) for C in Cs]
    assert result["C"] in result["dev_by_C"]
    assert (
        result["dev_accuracy"]
        == result["dev_by_C"][result["C"]]
        == max(result["dev_by_C"].values())
    )


def test_ties_on_dev_go_to_the_first_C(parts):
    train, dev, test = parts
    inverted_dev = (dev[0], 1 - dev[1])  # every C scores 0 on dev: all tie
    result = tfidf_logistic_regression(train, inverted_dev, test, Cs=(3, 1, 10))
    assert set(result["dev_by_C"].values()) == {0.0}
    assert result["C"] == 3.0


def test_test_labels_never_influence_the_choice(parts):
    train, dev, (test_texts, test_labels) = parts
    honest = tfidf_logistic_regression(train, dev, (test_texts, test_labels), Cs=(0.1, 10))
    scrambled = tfidf_logistic_regression(
        train, dev, (test_texts, np.zeros_like(test_labels)), Cs=(0.1, 10)
    )
    assert scrambled["C"] == honest["C"]
    assert scrambled["dev_by_C"] == honest["dev_by_C"]
    assert scrambled["test_predictions"] == honest["test_predictions"]


def test_vectorizer_is_fitted_on_training_texts_only(parts, monkeypatch):
    fitted_on = []

    class Spy(baselines.TfidfVectorizer):
        def fit(self, raw_documents, y=None):
            fitted_on.append(list(raw_documents))
            return super().fit(raw_documents, y)

        def fit_transform(self, raw_documents, y=None):
            fitted_on.append(list(raw_documents))
            return super().fit_transform(raw_documents, y)

    make_vectorizer = baselines.tfidf_vectorizer
    monkeypatch.setattr(
        baselines, "tfidf_vectorizer", lambda ngrams: Spy(**make_vectorizer(ngrams).get_params())
    )
    result = tfidf_logistic_regression(*parts)
    assert fitted_on == [parts[0][0]]
    # the test-only word "zyzzyva" adds no feature: the count is that of the training texts alone
    assert result["features"] == len(make_vectorizer((1, 2)).fit(parts[0][0]).vocabulary_)


def test_unigrams_only_give_fewer_features(parts):
    unigrams = tfidf_logistic_regression(*parts, Cs=(1,), ngram_range=(1, 1))
    bigrams = tfidf_logistic_regression(*parts, Cs=(1,))
    assert unigrams["features"] == len(set(FILLER) | {w for ws in SENTIMENT.values() for w in ws})
    assert bigrams["features"] > unigrams["features"]


def test_more_than_two_classes():
    classes = {**SENTIMENT, 2: ["meh", "okay", "fine"]}
    parts = [sentences(n, seed, classes) for n, seed in ((300, 1), (60, 2), (60, 3))]
    result = tfidf_logistic_regression(*parts)
    assert result["test_accuracy"] == 1.0
    assert set(result["test_predictions"]) == {0, 1, 2}


def test_no_C_is_an_error(parts):
    with pytest.raises(ValueError, match="Cs is empty"):
        tfidf_logistic_regression(*parts, Cs=())
