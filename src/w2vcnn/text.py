"""Tokens, the vocabulary and length-bucketed mini-batches.

The tokenizer is Kim (2014)'s ``clean_str``, so our token counts and vocabularies can be compared
with his. The vocabulary is built from the training split only; words that appear only in dev or
test sentences map to ``<unk>`` unless they come from the pretraining corpus (``extra_words``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

_CLEAN_RULES = [
    (re.compile(r"[^A-Za-z0-9(),!?'`]"), " "),
    (re.compile(r"'s"), " 's"),
    (re.compile(r"'ve"), " 've"),
    (re.compile(r"n't"), " n't"),
    (re.compile(r"'re"), " 're"),
    (re.compile(r"'d"), " 'd"),
    (re.compile(r"'ll"), " 'll"),
    (re.compile(r","), " , "),
    (re.compile(r"!"), " ! "),
    (re.compile(r"\("), " ( "),
    (re.compile(r"\)"), " ) "),
    (re.compile(r"\?"), " ? "),
    (re.compile(r"\s{2,}"), " "),
]


def clean_str(text: str, lower: bool = True) -> str:
    """Kim's ``clean_str`` from CNN_sentence (``lower=False`` is his TREC variant).

    One deliberate difference: Kim's replacement strings ``" \\( "`` leave a backslash in the token
    (``\\(``); we emit a plain ``(``, which is what any word2vec vocabulary contains.
    """
    for pattern, replacement in _CLEAN_RULES:
        text = pattern.sub(replacement, text)
    text = text.strip()
    return text.lower() if lower else text


def tokenize(text: str, lower: bool = True) -> list[str]:
    return list(_tokens(text, lower))


@functools.lru_cache(maxsize=1 << 15)
def _tokens(text: str, lower: bool) -> tuple[str, ...]:
    # a worker tokenizes the same dataset for each of its runs (0.2 s a time); a tuple, so no
    # caller can change what the next one reads
    return tuple(clean_str(text, lower=lower).split())


# Not words: they lead every Vocab, never come from (or go into) a vectors file, and are never
# shown.
SPECIAL_TOKENS = ("<pad>", "<unk>")
N_SPECIAL_TOKENS = len(SPECIAL_TOKENS)


class Vocab:
    """Token <-> index. Index 0 is ``<pad>``, 1 is ``<unk>``; then by frequency, ties
    alphabetical."""

    PAD, UNK = SPECIAL_TOKENS
    pad_index, unk_index = 0, 1

    def __init__(self, counts: Counter, min_count: int = 1, extra_words: Iterable[str] = ()):
        if min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {min_count}")
        self.counts = Counter({w: c for w, c in counts.items() if c >= min_count})
        ranked = sorted(self.counts, key=lambda w: (-self.counts[w], w))
        self.itos: list[str] = [self.PAD, self.UNK, *ranked]
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}
        self.n_train_words = len(self.itos)  # indices below this were seen in training sentences
        for word in extra_words:
            if word not in self.stoi:
                self.stoi[word] = len(self.itos)
                self.itos.append(word)

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Sequence[str]],
        min_count: int = 1,
        extra_words: Iterable[str] = (),
    ) -> "Vocab":
        """Count tokens of the (training) sentences; ``extra_words`` (e.g. a word2vec vocabulary)
        follow."""
        return cls(Counter(t for tokens in token_lists for t in tokens), min_count, extra_words)

    @classmethod
    def from_words(cls, words: Sequence[str], n_train_words: int) -> "Vocab":
        """The vocabulary whose index order is ``words`` (its ``itos``, as saved), the first
        ``n_train_words`` of them seen in training sentences."""
        if list(words[: len(SPECIAL_TOKENS)]) != list(SPECIAL_TOKENS):
            raise ValueError(f"a vocabulary starts with {SPECIAL_TOKENS}, not {list(words[:2])}")
        vocab = cls(Counter())
        vocab.itos = list(words)
        vocab.stoi = {w: i for i, w in enumerate(vocab.itos)}
        vocab.n_train_words = n_train_words
        return vocab

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def __getitem__(self, word: str) -> int:
        return self.stoi.get(word, self.unk_index)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.stoi.get(t, self.unk_index) for t in tokens]

    def decode(self, indices: Iterable[int]) -> list[str]:
        return [self.itos[i] for i in indices if i != self.pad_index]

    def seen_in_training(self, index: int) -> bool:
        return index < self.n_train_words

    def __repr__(self) -> str:
        extra = len(self) - self.n_train_words
        return (
            f"Vocab({len(self)} tokens: {self.n_train_words} from training sentences, "
            f"{extra} extra)"
        )


class Batch(NamedTuple):
    tokens: np.ndarray  # int64 [batch, length], right-padded with Vocab.pad_index
    labels: np.ndarray  # int64 [batch]
    index: np.ndarray  # positions of these examples in the encoded list


def pad(
    encoded: Sequence[Sequence[int]], length: int, pad_index: int = Vocab.pad_index
) -> np.ndarray:
    out = np.full((len(encoded), length), pad_index, dtype=np.int64)
    for row, ids in enumerate(encoded):
        ids = ids[:length]
        out[row, : len(ids)] = ids
    return out


def batches(
    encoded: Sequence[Sequence[int]],
    labels: Sequence[int],
    batch_size: int = 50,
    min_length: int = 5,
    shuffle: bool = True,
    seed: int = 0,
    bucket: bool = True,
) -> Iterator[Batch]:
    """Mini-batches, each padded to its own longest sentence (at least ``min_length``, the widest
    filter).

    ``bucket=True`` groups sentences of similar length, so little of each batch is padding;
    ``bucket=False`` draws batches at random and pads all of them to the longest sentence overall
    (what a fixed ``input_length`` does), kept for the throughput benchmark. Same seed, same
    batches.
    """
    if len(encoded) != len(labels):
        raise ValueError(f"{len(encoded)} sentences but {len(labels)} labels")
    labels = np.asarray(labels, dtype=np.int64)
    lengths = np.array([len(ids) for ids in encoded])
    rng = np.random.default_rng(seed)
    if bucket:
        jitter = rng.random(len(encoded)) if shuffle else np.zeros(len(encoded))
        order = np.lexsort((jitter, lengths))
    else:
        order = rng.permutation(len(encoded)) if shuffle else np.arange(len(encoded))
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if shuffle and bucket:
        chunks = [chunks[i] for i in rng.permutation(len(chunks))]
    longest = int(lengths.max(initial=0))
    for chunk in chunks:
        width = max(min_length, int(lengths[chunk].max()) if bucket else longest)
        yield Batch(pad([encoded[i] for i in chunk], width), labels[chunk], chunk)
