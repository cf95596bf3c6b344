from collections import Counter

import numpy as np
import pytest

from w2vcnn.text import Vocab, batches, clean_str, pad, tokenize


def test_clean_str_matches_kim():
    assert (
        clean_str("It's a (very) GOOD film, isn't it?!")
        == "it 's a ( very ) good film , is n't it ? !"
    )
    assert clean_str("We've they're I'd we'll") == "we 've they 're i 'd we 'll"
    assert clean_str("naïve café -- 100%") == "na ve caf 100"
    assert clean_str("What is TREC ?", lower=False) == "What is TREC ?"
    assert tokenize("  ") == []


def test_tokenize_hands_each_caller_its_own_list():
    first = tokenize("A good film")
    first.append("changed")  # tokens are cached per process: a caller must not change them
    assert tokenize("A good film") == ["a", "good", "film"]
    assert tokenize("A good film", lower=False) == ["A", "good", "film"]


def test_vocab_order_pad_unk_and_extra_words():
    vocab = Vocab.build([["b", "a", "b"], ["c", "a", "b"]], extra_words=["zebra", "a"])
    assert vocab.itos == ["<pad>", "<unk>", "b", "a", "c", "zebra"]
    assert vocab.encode(["a", "never"]) == [3, 1]
    assert vocab["zebra"] == 5 and not vocab.seen_in_training(5) and vocab.seen_in_training(4)
    assert vocab.decode([2, 3, 0, 0]) == ["b", "a"]
    assert vocab.counts == Counter({"b": 3, "a": 2, "c": 1})


def test_vocab_min_count_and_bad_value():
    vocab = Vocab.build([["x", "x", "y"]], min_count=2)
    assert "y" not in vocab and vocab.encode(["y"]) == [Vocab.unk_index]
    with pytest.raises(ValueError, match="min_count must be >= 1"):
        Vocab.build([["x"]], min_count=0)


def test_pad_truncates_and_fills():
    assert pad([[5, 6, 7], [8]], 2).tolist() == [[5, 6], [8, 0]]


def _toy(n=230, seed=1):
    rng = np.random.default_rng(seed)
    encoded = [list(rng.integers(2, 50, size=rng.integers(1, 40))) for _ in range(n)]
    return encoded, rng.integers(0, 2, size=n)


def test_bucketed_batches_cover_everything_once_and_pad_little():
    encoded, labels = _toy()
    out = list(batches(encoded, labels, batch_size=50, seed=3))
    seen = np.concatenate([b.index for b in out])
    assert sorted(seen.tolist()) == list(range(len(encoded)))
    for b in out:
        assert b.tokens.shape[1] >= 5
        assert b.tokens.shape[1] == max(5, max(len(encoded[i]) for i in b.index))
        assert (b.labels == labels[b.index]).all()
        for row, i in zip(b.tokens, b.index):
            assert row[: len(encoded[i])].tolist() == encoded[i]
    cells = sum(b.tokens.size for b in out)
    unbucketed = sum(
        b.tokens.size for b in batches(encoded, labels, batch_size=50, seed=3, bucket=False)
    )
    assert cells < 0.7 * unbucketed


def test_batches_deterministic_per_seed():
    encoded, labels = _toy()
    first = [b.index.tolist() for b in batches(encoded, labels, seed=7)]
    again = [b.index.tolist() for b in batches(encoded, labels, seed=7)]
    other = [b.index.tolist() for b in batches(encoded, labels, seed=8)]
    assert first == again and first != other


def test_unbucketed_batches_pad_to_the_longest_sentence():
    encoded, labels = _toy()
    longest = max(map(len, encoded))
    assert {b.tokens.shape[1] for b in batches(encoded, labels, bucket=False)} == {longest}


def test_batches_reject_mismatched_labels():
    with pytest.raises(ValueError, match="3 sentences but 2 labels"):
        list(batches([[1], [2], [3]], [0, 1]))
