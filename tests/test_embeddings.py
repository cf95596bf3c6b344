"""w2vcnn.embeddings: word2vec training and the embedding matrix built from its vectors.
Reading and writing vectors files is tested in test_word2vec_format.py."""

import copy
import hashlib
import math
import os
import random
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from w2vcnn.choices import WORD2VEC_KINDS
from w2vcnn.embeddings import (
    Coverage,
    TrainingStats,
    embedding_matrix,
    random_matrix,
    train_word2vec,
)
from w2vcnn.text import N_SPECIAL_TOKENS, Vocab

SRC = Path(__file__).resolve().parents[1] / "src"
DIM = 16
EPOCHS = 10


def make_corpus(n_sentences=600, seed=0):
    """Two 'topics' with their own words plus shared function words: enough structure to learn."""
    rng = random.Random(seed)
    topics = [[f"sport{i}" for i in range(40)], [f"food{i}" for i in range(40)]]
    common = ["the", "a", "of", "and", "is"]
    return [
        [rng.choice(topics[s % 2] if rng.random() < 0.7 else common) for _ in range(10)]
        for s in range(n_sentences)
    ]


CORPUS = make_corpus()


@pytest.fixture(scope="module")
def kv():
    return train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS)


def digest(kv):
    return hashlib.sha256(kv.vectors.tobytes() + "\n".join(kv.index_to_key).encode()).hexdigest()


# ------------------------------------------------------------------------------------- training


def test_word2vec_kinds_are_gensims_sg_flags():
    assert WORD2VEC_KINDS == {"skipgram": 1, "cbow": 0}


def test_skipgram_and_cbow_train_different_vectors(kv):
    cbow = train_word2vec(CORPUS, sg=WORD2VEC_KINDS["cbow"], vector_size=DIM, epochs=EPOCHS)
    assert kv.index_to_key == cbow.index_to_key and kv.vectors.shape == (85, DIM)
    assert not np.array_equal(kv.vectors, cbow.vectors)
    for model, sg in [(kv, 1), (cbow, 0)]:
        stats = model.training_stats
        assert isinstance(stats, TrainingStats) and stats.sg == sg
        assert stats.raw_words == EPOCHS * sum(map(len, CORPUS))
        assert 0 < stats.effective_words <= stats.raw_words
        assert stats.seconds == model.training_seconds > 0 and stats.words_per_second > 0
        assert ("skip-gram" if sg else "CBOW") in str(stats)
    # the topics are learned: a sport word's neighbours are sport words
    assert sum(w.startswith("sport") for w, _ in kv.most_similar("sport0", topn=5)) >= 4


def test_same_seed_same_vectors_other_seed_different(kv):
    again = train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS)
    assert again.index_to_key == kv.index_to_key
    assert again.vectors.tobytes() == kv.vectors.tobytes()
    other = train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS, seed=1)
    assert not np.array_equal(other.vectors, kv.vectors)


def test_training_is_deterministic_across_processes_and_hash_seeds(kv):
    script = (
        "import hashlib, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from test_embeddings import CORPUS, DIM, EPOCHS, digest\n"
        "from w2vcnn.embeddings import train_word2vec\n"
        "print(digest(train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS)))\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        }
        result = subprocess.run(
            [sys.executable, "-c", script, str(Path(__file__).parent)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        digests.add(result.stdout.strip())
    assert digests == {digest(kv)}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(sg=2), "sg must be 1"),
        (dict(vector_size=0), "vector_size must be a positive integer"),
        (dict(epochs=1.5), "epochs must be a positive integer"),
        (dict(sample=-0.1), "sample"),
        (dict(alpha=0), "alpha .* must be positive, got 0"),
        (dict(min_count=10_000), "empty vocabulary"),
    ],
)
def test_train_rejects_bad_arguments(kwargs, match):
    corpus = copy.deepcopy(CORPUS[:20])
    with pytest.raises(ValueError, match=match):
        train_word2vec(corpus, **{"vector_size": DIM, "epochs": 1, **kwargs})
    assert corpus == CORPUS[:20]  # the caller's sentences untouched


@pytest.mark.parametrize(
    "corpus, match",
    [
        (iter(CORPUS), "one-shot iterator"),
        ([], "empty"),
        (["a sentence that was not tokenized"], "tokenize"),
    ],
)
def test_train_rejects_bad_corpora(corpus, match):
    before = copy.deepcopy(corpus) if isinstance(corpus, list) else None
    with pytest.raises(ValueError, match=match):
        train_word2vec(corpus, vector_size=DIM, epochs=1)
    if before is not None:
        assert corpus == before
    assert CORPUS == make_corpus()  # the iterator's source list untouched too


# ------------------------------------------------------------------------------ embedding matrix


def small_case():
    """vocab: <pad> <unk> a(4) b(3) x(2) c z ; vectors know a, c and an unrelated q."""
    vocab = Vocab(Counter(a=4, b=3, x=2), extra_words=["c", "z"])
    kv = KeyedVectors(4)
    kv.add_vectors(["a", "c", "q"], np.arange(12, dtype=np.float32).reshape(3, 4) / 10 - 0.5)
    return vocab, kv


def test_embedding_matrix_rows():
    vocab, kv = small_case()
    with pytest.warns(UserWarning):
        matrix, coverage = embedding_matrix(vocab, kv, seed=3)
    a = math.sqrt(3 * np.var(kv.vectors, dtype=np.float64))
    assert matrix.dtype == np.float32 and matrix.shape == (len(vocab), 4)
    assert not matrix[0].any()
    for word in ("a", "c"):
        assert np.array_equal(matrix[vocab[word]], kv[word])
    random_rows = [vocab.unk_index] + [vocab[w] for w in ("b", "x", "z")]
    assert np.all(np.abs(matrix[random_rows]) <= np.float32(a))
    assert np.array_equal(
        matrix[random_rows], random_matrix(len(vocab), 4, seed=3, scale=a)[random_rows]
    )
    assert coverage.scale == pytest.approx(a)


def test_embedding_matrix_is_a_copy():
    vocab, kv = small_case()
    before = kv.vectors.copy()
    with pytest.warns(UserWarning):
        matrix, _ = embedding_matrix(vocab, kv)
    assert not np.shares_memory(matrix, kv.vectors)
    matrix += 1.0
    assert np.array_equal(kv.vectors, before)


def test_coverage_numbers_and_warning():
    vocab, kv = small_case()
    with pytest.warns(
        UserWarning,
        match=r"vectors cover only 44\.4% of the training tokens "
        r"\(2 of 5 words, 40\.0% of the vocabulary",
    ):
        _, coverage = embedding_matrix(vocab, kv, scale=0.1)
    assert coverage == Coverage(
        n_words=5, n_found=2, type_coverage=0.4, token_coverage=4 / 9, scale=0.1
    )
    assert "2 of 5 words" in str(coverage) and "40.0% of types" in str(coverage)


def test_no_warning_with_good_coverage(kv):
    vocab = Vocab.build(CORPUS[:50])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        matrix, coverage = embedding_matrix(vocab, kv)
    assert coverage.type_coverage == coverage.token_coverage == 1.0
    words = vocab.itos[N_SPECIAL_TOKENS:]
    assert np.array_equal(
        matrix[N_SPECIAL_TOKENS:], kv.vectors[[kv.key_to_index[w] for w in words]]
    )
    assert coverage.n_words == len(vocab) - N_SPECIAL_TOKENS  # <pad> and <unk> are not words


def test_random_matrix():
    matrix = random_matrix(50, 8, seed=1)
    assert matrix.dtype == np.float32 and matrix.shape == (50, 8)
    assert not matrix[0].any() and matrix[1:].all()
    assert np.abs(matrix).max() <= 0.25
    assert np.array_equal(matrix, random_matrix(50, 8, seed=1))
    assert not np.array_equal(matrix, random_matrix(50, 8, seed=2))
    with pytest.raises(ValueError, match="scale must be positive"):
        random_matrix(5, 8, scale=0)
    with pytest.raises(ValueError, match="need vocab_size >= 1 and dim >= 1"):
        random_matrix(0, 8)


def test_embedding_matrix_refuses_empty_vectors():
    vocab, _ = small_case()
    itos = list(vocab.itos)
    with pytest.raises(ValueError, match="the vectors are empty"):
        embedding_matrix(vocab, KeyedVectors(4))
    assert vocab.itos == itos
