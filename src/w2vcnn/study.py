"""The study's experiments, defined once: one catalogue (:data:`EXPERIMENTS`) that the chapters,
``make book``'s scheduler (:func:`chapter_grids`) and the tests all read.

Each experiment is an :class:`Experiment`: a grid function of the
:class:`~w2vcnn.profile.Profile` that sizes it (folds, epochs, vector size), the pages that show
it, the column that names its groups of runs where it has some, and the contrasts declared over
its runs (named pairs of values of the columns they carry, for
:func:`w2vcnn.stats.paired_table`). A page runs one with ``study.headline.run(P)``. The headline
experiments (question 1's modes on every dataset, question 3's skip-gram vs CBOW on the first,
the TF-IDF baseline) run on the profile's ``folds`` (Kim's 10); the others, the Keras twin of
question 1 included, on its ``secondary_folds``, a subset, so a run both ask for is trained once.
Two experiments that need the same run get the same :class:`~w2vcnn.experiments.RunConfig`, hence
the same cache entry. :mod:`w2vcnn.analyses` holds what the chapters compute over the runs.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

from .choices import GENERAL, GLOVE, GLOVE_SIZE, INITS, MODES, WORD2VEC_KINDS
from .experiments import RunConfig
from .grids import grid, run_grid, run_groups
from .profile import Profile
from .protocol import first, kim_name, name_of
from .stats import Contrasts

IN_DOMAIN = RunConfig.corpus  # the dataset's training sentences + its unlabeled text
WITH_BROWN = IN_DOMAIN + ("brown",)
GENSIM_DEFAULT_EPOCHS = 5
# Question 3's corpus-size curve: from the dataset's own text to general English (Brown, GCIDE,
# WordNet: a stand-in for a downloaded vec.bin's text, the same for every fold) and both together,
# by name (tables.CORPUS_LABELS has what the page calls them)
CORPORA = {
    "in_domain": IN_DOMAIN,
    "in_domain_brown": WITH_BROWN,
    "general": GENERAL,
    "general_in_domain": IN_DOMAIN + GENERAL,
}
GOOGLE_NEWS_TOKENS = 100e9  # what Kim's vectors were trained on (about 100 billion words)

# Kim (2014), Table 2: test accuracy (%) by his dataset names (protocol.kim_name gives ours:
# rt-polarity -> MR, rt-subjectivity -> Subj, a folder in TREC's layout -> TREC, ...)
KIM_2014 = {
    "MR": {"rand": 76.1, "static": 81.0, "non-static": 81.5, "multichannel": 81.1},
    "SST-2": {"rand": 82.7, "static": 86.8, "non-static": 87.2, "multichannel": 88.1},
    "Subj": {"rand": 89.6, "static": 93.0, "non-static": 93.4, "multichannel": 93.2},
    "TREC": {"rand": 91.2, "static": 92.8, "non-static": 93.6, "multichannel": 92.2},
    "CR": {"rand": 79.8, "static": 84.7, "non-static": 84.3, "multichannel": 85.0},
    "MPQA": {"rand": 83.4, "static": 89.6, "non-static": 89.5, "multichannel": 89.4},
}
# The same table's bag-of-words rows (Wang & Manning 2012), which beat CNN-rand on MR, Subj, CR
# and MPQA (none are given for SST-2 and TREC).
KIM_BASELINES = {
    "MR": {"NBSVM": 79.4, "MNB": 79.0},
    "Subj": {"NBSVM": 93.2, "MNB": 93.6},
    "CR": {"NBSVM": 81.8, "MNB": 80.0},
    "MPQA": {"NBSVM": 86.3, "MNB": 86.3},
}


# The book's pages, by the names make book's progress and Results show
Q1 = "Q1 embedding layer"
Q2 = "Q2 vec.bin"
Q3 = "Q3 skip-gram and CBOW"
BEYOND = "Beyond"
INTRO = "Introduction"  # quotes runs of the chapters; listed so its runs are trained first too
PAGES = (Q1, Q2, Q3, BEYOND, INTRO)

EXPERIMENTS: dict[str, Experiment] = {}  # every experiment below, by name, in the order defined


class Experiment:
    """One experiment of the study: its grid function, the pages that show it, the column that
    names its groups of runs (``None``: one group), and the contrasts declared over its runs.

    The grid function takes the profile (and ``dataset=`` or ``datasets=`` to run elsewhere) and
    returns a list of configs, or, with a ``column``, a dict of them by group name (the runs'
    value in that column). Whatever its shape, :meth:`groups` gives the runs by name, calling
    the experiment gives them as one list (each config once) and :meth:`run` trains or reads
    them as one table. The contrasts declared (each a :class:`~w2vcnn.stats.Contrasts`, or a
    function of the profile giving one; :meth:`contrasts` gives them for a profile) pair runs of
    that table within each value of the ``per`` columns; the tests check that each pairs one run
    with another on every fold both sides ran.
    """

    def __init__(
        self,
        grid_function: Callable,
        pages: tuple[str, ...],
        contrasts: tuple = (),
        column: str | None = None,
        per: tuple[str, ...] = ("dataset",),
        margin: float | None = None,
    ):
        functools.update_wrapper(self, grid_function)
        self.grid_function, self.pages, self.column = grid_function, pages, column
        self.declared_contrasts, self.per, self.margin = contrasts, per, margin

    @property
    def name(self) -> str:
        return self.grid_function.__name__

    def __repr__(self) -> str:
        return f"<experiment {self.name} on {', '.join(self.pages) or 'no page of its own'}>"

    def groups(self, p: Profile, **where) -> dict[str, list[RunConfig]]:
        """The experiment's configs by group name (by its own name when it has no ``column``)."""
        made = self.grid_function(p, **where)
        return made if self.column else {self.name: made}

    def __call__(self, p: Profile, **where) -> list[RunConfig]:
        """Every config the experiment runs, once each, in order."""
        return list(
            dict.fromkeys(c for configs in self.groups(p, **where).values() for c in configs)
        )

    def run(self, p: Profile, progress: bool = True, **where):
        """Its runs as one table (:func:`w2vcnn.grids.run_grid`: cached runs are read, the others
        trained), with the ``column`` naming each run's group where it has one."""
        if self.column:
            return run_groups(self.groups(p, **where), column=self.column, progress=progress)
        return run_grid(self(p, **where), progress=progress)

    def contrasts(self, p: Profile) -> list[Contrasts]:
        """The contrasts declared over its runs, for the profile."""
        return [c(p) if callable(c) else c for c in self.declared_contrasts]


def experiment(
    *pages: str,
    contrasts: tuple = (),
    column: str | None = None,
    per=("dataset",),
    margin: float | None = None,
):
    """Declare a grid function an :class:`Experiment` of the pages named, and list it in
    :data:`EXPERIMENTS`; ``margin``: the equivalence margin its page tests within (TOST), fixed
    here, before any run."""

    def declare(grid_function: Callable) -> Experiment:
        made = Experiment(grid_function, pages, contrasts, column, per, margin)
        EXPERIMENTS[made.name] = made
        return made

    return declare


def kim_numbers(p: Profile) -> dict[str, dict[str, float]]:
    """Kim's Table 2 row per mode for each of the profile's datasets that is one of his, by
    our name."""
    return {ours: KIM_2014[his] for ours, his in kim(p).items()}


def kim(p: Profile) -> dict[str, str]:
    """Kim's name of each of the profile's datasets that is one of his, by our name
    (``{"rt-polarity": "MR", ...}``)."""
    return {
        name_of(entry, p.max_examples): kim_name(entry)
        for entry in p.datasets
        if kim_name(entry) is not None
    }


def pretrained(p: Profile) -> dict:
    """The ``init`` (and ``vector_size``) of every grid that starts from "the pretrained vectors":
    the reader's file when the profile names one (``make book VECTORS=...``), else our skip-gram
    vectors. Question 3's own comparisons (skip-gram vs CBOW, corpora, epochs) keep ours."""
    if p.vectors is None:
        return {"init": "skipgram"}
    return {"init": p.vectors, "vector_size": _dimension(p.vectors)}


def vector_size(init: str, p: Profile) -> int:
    """The dimension of the vectors a run starting from ``init`` reads: a word2vec file's own,
    GloVe's, else the profile's (the size our word2vec trains and rand draws)."""
    if init == GLOVE:
        return GLOVE_SIZE
    if init in INITS or not os.path.isfile(init):  # not a file: the config names the problem
        return p.vector_size
    return _dimension(init)


@functools.lru_cache
def _dimension(path: str) -> int:
    from .word2vec_format import load_vectors

    return load_vectors(path, limit=1).vector_size


def one_dataset_cnn(p: Profile, dataset: str | None = None, **settings) -> dict:
    """The grid settings of a control on one dataset (``dataset``, else the profile's first):
    Kim's CNN in PyTorch on the secondary folds, with ``settings``."""
    return dict(
        profile=p,
        folds=p.secondary_folds,
        dataset=dataset or first(p),
        arch="cnn",
        backend="torch",
        **settings,
    )


def one_run(p: Profile, dataset: str | None = None, **settings) -> RunConfig:
    """One run of the profile on ``dataset`` (else its first), on the first fold (or seed) of
    that dataset's protocol: what a page builds to show the parts of a single run."""
    return grid(profile=p, folds=p.folds[:1], dataset=dataset or first(p), **settings)[0]


# ---------------------------------------------------------------- question 1


# Question 1's primary family (Holm-adjusted over every dataset): does fine-tuning pretrained
# vectors beat random vectors (Kim's, and at the vectors' own scale), and beat freezing them?
MODE_CONTRASTS = Contrasts(
    "mode",
    {
        "non_static_vs_rand": ("non-static", "rand"),
        "non_static_vs_rand_scaled": ("non-static", "rand-scaled"),
        "non_static_vs_static": ("non-static", "static"),
    },
    name="MODE_CONTRASTS",
)
MODE_EXPLORATORY = Contrasts(  # unadjusted, labelled exploratory on the page
    "mode",
    {
        "static_vs_rand": ("static", "rand"),
        "multichannel_vs_non_static": ("multichannel", "non-static"),
        "rand_scaled_vs_rand": ("rand-scaled", "rand"),
    },
    family=False,
    name="MODE_EXPLORATORY",
)
SEED_MODES = ("rand", "rand-scaled", "static", "non-static")  # those of MODE_CONTRASTS


def stopping(p: Profile, rule: str) -> dict:
    """A grid's stopping settings: ``"kim"``, Kim's regime (``p.kim_epochs`` epochs, no early
    stopping, the best dev epoch kept), or ``"patience"``, the profile's rule (at most
    ``p.max_epochs`` epochs, stopping after ``p.patience`` without a better dev accuracy). The
    same training read under both rules is trained once (:func:`w2vcnn.grids.run_grid`)."""
    if rule == "kim":
        return {"max_epochs": p.kim_epochs, "patience": None}
    if rule == "patience":
        return {"max_epochs": p.max_epochs, "patience": p.patience}
    raise ValueError(f"unknown stopping rule {rule!r}; known: kim, patience")


@experiment(Q2, Q3)
def embedding_modes(
    p: Profile, datasets=None, backend: str = "torch", rule: str = "patience"
) -> list[RunConfig]:
    """Questions 2 and 3: Kim's CNN in each embedding mode, from the pretrained vectors
    (:func:`pretrained`), under the profile's stopping rule, as the other grids they are set
    beside (``rule="kim"``: :func:`kim_modes`)."""
    return grid(
        profile=p,
        dataset=list(datasets or p.datasets),
        arch="cnn",
        backend=backend,
        mode=list(MODES),
        **pretrained(p),
        **stopping(p, rule),
    )


@experiment(BEYOND, INTRO)
def kim_modes(p: Profile, datasets=None) -> list[RunConfig]:
    """Question 1's headline and Beyond: :func:`embedding_modes` in Kim's regime."""
    return embedding_modes(p, datasets=datasets, rule="kim")


@experiment()  # a part of the headline
def scaled_rand(p: Profile, datasets=None, rule: str = "kim") -> list[RunConfig]:
    """Question 1's control for the rows' scale: ``rand-scaled``, Kim's ``rand`` with its rows
    drawn at the pretrained vectors' scale (a = sqrt(3 var), as the pretrained modes' unknown
    words) instead of 0.25, on the headline folds, in Kim's regime. Kim's ``rand`` stays the row
    compared with Kim."""
    return grid(
        profile=p,
        dataset=list(datasets or p.datasets),
        arch="cnn",
        backend="torch",
        mode="rand-scaled",
        **pretrained(p),
        **stopping(p, rule),
    )


@experiment(Q1, INTRO, BEYOND, contrasts=(MODE_CONTRASTS, MODE_EXPLORATORY))
def headline(p: Profile, datasets=None) -> list[RunConfig]:
    """The runs of question 1's primary contrasts, in Kim's regime: :func:`kim_modes` and
    :func:`scaled_rand`."""
    return kim_modes(p, datasets=datasets) + scaled_rand(p, datasets=datasets)


# The primary contrasts repeated over seeds: a control, described by its variance components,
# not a second test of question 1's family
SEED_CONTRASTS = Contrasts(
    MODE_CONTRASTS.by, dict(MODE_CONTRASTS), family=False, name="SEED_CONTRASTS"
)


@experiment(Q1, contrasts=(SEED_CONTRASTS,))
def replicates(p: Profile, datasets=None) -> list[RunConfig]:
    """Question 1's seed control: the modes of the primary contrasts ``p.replicates`` times on
    each secondary fold (replicate 0 is the headline run; the others draw word2vec's start, the
    random rows, the weights and the batch order anew on the same sentences)."""
    return grid(
        profile=p,
        folds=p.secondary_folds,
        dataset=list(datasets or p.datasets),
        arch="cnn",
        backend="torch",
        mode=list(SEED_MODES),
        replicate=list(range(p.replicates)),
        **pretrained(p),
    )


# Keras and PyTorch "agree" when Keras - PyTorch is shown to lie within +-1 point of accuracy
# (TOST over the paired runs): smaller than any difference between modes the book draws a
# conclusion from. Fixed before the data; the page gives the power the design had to show it.
BACKEND_MARGIN = 0.01


@experiment(Q1, margin=BACKEND_MARGIN)
def backends(p: Profile, dataset: str | None = None) -> list[RunConfig]:
    """Question 1: the same three modes in PyTorch and in Keras, on the same (secondary) folds.

    Whether the libraries agree is judged per test sentence (McNemar on every prediction), which
    three folds already give thousands of."""
    return grid(
        profile=p,
        folds=p.secondary_folds,
        dataset=dataset or first(p),
        arch="cnn",
        backend=["torch", "keras"],
        mode=["rand", "static", "non-static"],
        **pretrained(p),
    )


# Kim's regime minus the profile's rule, per mode, on the same trainings (exploratory)
STOPPING_CONTRASTS = Contrasts(
    ("mode", "rule"),
    {
        mode.replace("-", "_"): ((mode, "kim"), (mode, "patience"))
        for mode in (*MODES, "rand-scaled")
    },
    family=False,
    name="STOPPING_CONTRASTS",
)


# how far a change to the protocol (Kim's stopping rule, his padding) moves the headline's
# contrast: non-static's gain from it minus rand's, over :func:`w2vcnn.analyses.gains` of the
# runs (not the runs themselves, so not among an experiment's declared sets, whose sides name runs)
HEADLINE_MOVES = Contrasts(
    "mode", {"non_static_vs_rand": ("non-static", "rand")}, family=False, name="HEADLINE_MOVES"
)


@experiment(Q1, contrasts=(STOPPING_CONTRASTS,), column="rule")
def stopping_rules(p: Profile, dataset: str | None = None) -> dict[str, list[RunConfig]]:
    """Question 1's control for the stopping rule: the headline's runs on the first dataset's
    headline folds in Kim's regime (``"kim"``) and under the profile's rule (``"patience"``),
    by rule. One training gives both: a run stopped by patience is Kim's run up to that epoch."""
    dataset = dataset or first(p)
    return {
        "kim": headline(p, datasets=[dataset]),
        "patience": embedding_modes(p, datasets=[dataset])
        + scaled_rand(p, datasets=[dataset], rule="patience"),
    }


PADDING_CONTRASTS = Contrasts(  # Kim's wide convolution minus our narrow one
    ("mode", "padding"),
    {
        "rand": (("rand", "wide"), ("rand", "narrow")),
        "non_static": (("non-static", "wide"), ("non-static", "narrow")),
    },
    family=False,
    name="PADDING_CONTRASTS",
)


@experiment(Q1, contrasts=(PADDING_CONTRASTS,))
def wide_convolution(p: Profile, dataset: str | None = None) -> list[RunConfig]:
    """Question 1's control: Kim's padding (``padding="wide"``: every word meets every filter
    position) against ours, for ``rand`` and ``non-static`` on the headline folds (tried on the
    secondary folds alone, 2026-12-07: the interval of its move of the headline contrast grew from
    +-2.0 to +-7.7 points, too weak a control for the four minutes of build it saved)."""
    return grid(
        profile=p,
        dataset=dataset or first(p),
        arch="cnn",
        backend="torch",
        mode=["rand", "non-static"],
        padding=["narrow", "wide"],
        **pretrained(p),
    )


# GloVe's vectors against Kim's rand at their own 50 dimensions (exploratory)
GLOVE_CONTRASTS = Contrasts(
    "mode",
    {"static_vs_rand": ("static", "rand"), "non_static_vs_rand": ("non-static", "rand")},
    family=False,
    name="GLOVE_CONTRASTS",
)


@experiment(Q1, Q3, contrasts=(GLOVE_CONTRASTS,))
def glove_vectors(p: Profile, dataset: str | None = None) -> list[RunConfig]:
    """Questions 1 and 3, "is it the corpus?": Stanford's GloVe 6B vectors (6 billion tokens of
    Wikipedia and Gigaword, another algorithm: :mod:`w2vcnn.glove`), frozen and fine-tuned, and
    Kim's ``rand`` at the same 50 dimensions, on the secondary folds of the first dataset."""
    common = one_dataset_cnn(p, dataset, vector_size=GLOVE_SIZE)
    return grid(mode="rand", **common) + grid(mode=["static", "non-static"], init=GLOVE, **common)


# ---------------------------------------------------------------- questions 2 and 3


@experiment(Q2, Q3)
def classifiers(p: Profile, datasets=None) -> list[RunConfig]:
    """Questions 2 and 3: the supervised CBOW classifier fed the same vectors as the CNN."""
    return grid(
        profile=p,
        folds=p.secondary_folds,
        dataset=list(datasets or p.datasets),
        arch="cbow",
        backend="torch",
        mode=list(MODES),
        **pretrained(p),
    )


# Skip-gram minus CBOW vectors. Question 3's primary family on the first dataset's ten folds; on
# the others' secondary folds the same contrasts are exploratory.
INIT_CONTRASTS = Contrasts(
    ("mode", "init"),
    {mode: ((mode, "skipgram"), (mode, "cbow")) for mode in ("static", "non-static")},
    name="INIT_CONTRASTS",
)


@experiment(Q3, BEYOND, contrasts=(INIT_CONTRASTS,))
def initialisers(p: Profile, datasets=None) -> list[RunConfig]:
    """Question 3: skip-gram vs CBOW vectors as the CNN's initial embedding, frozen and
    fine-tuned; on every fold for the first dataset, on the secondary folds for the others."""
    return [
        config
        for i, dataset in enumerate(datasets or p.datasets)
        for config in grid(
            profile=p,
            folds=p.folds if i == 0 else p.secondary_folds,
            dataset=dataset,
            arch="cnn",
            backend="torch",
            mode=["static", "non-static"],
            init=list(WORD2VEC_KINDS),
        )
    ]


CBOW_ALPHA = 0.05  # word2vec.c's default initial learning rate for CBOW (gensim: 0.025 for both)
# Exploratory: skip-gram minus CBOW at its own learning rate, and that rate minus gensim's
_GENSIM_ALPHA = RunConfig.word2vec_alpha
ALPHA_CONTRASTS = Contrasts(
    ("mode", "init", "word2vec_alpha"),
    {
        "static_skipgram_vs_cbow_alpha_0_05": (
            ("static", "skipgram", _GENSIM_ALPHA),
            ("static", "cbow", CBOW_ALPHA),
        ),
        "non_static_skipgram_vs_cbow_alpha_0_05": (
            ("non-static", "skipgram", _GENSIM_ALPHA),
            ("non-static", "cbow", CBOW_ALPHA),
        ),
        "static_cbow_alpha_0_05_vs_0_025": (
            ("static", "cbow", CBOW_ALPHA),
            ("static", "cbow", _GENSIM_ALPHA),
        ),
        "non_static_cbow_alpha_0_05_vs_0_025": (
            ("non-static", "cbow", CBOW_ALPHA),
            ("non-static", "cbow", _GENSIM_ALPHA),
        ),
    },
    family=False,
    name="ALPHA_CONTRASTS",
)


@experiment(Q3, contrasts=(ALPHA_CONTRASTS,))
def cbow_alpha(p: Profile, dataset: str | None = None) -> list[RunConfig]:
    """Question 3's control: CBOW vectors trained at word2vec.c's own CBOW learning rate
    (:data:`CBOW_ALPHA`), frozen and fine-tuned, on the headline folds of ``dataset``, beside
    :func:`initialisers`' runs there (gensim's rate) that they pair with."""
    dataset = dataset or first(p)
    return initialisers(p, datasets=[dataset]) + grid(
        profile=p,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        mode=["static", "non-static"],
        init="cbow",
        word2vec_alpha=CBOW_ALPHA,
    )


def word2vec_epochs_for(p: Profile, corpus: tuple[str, ...]) -> int:
    """The profile's word2vec epochs for in-domain text (0.3-1.5 M tokens); gensim's default 5 once
    the dictionaries are in (6.4 M tokens: 5 passes already show each word more often than 20
    passes over in-domain text, and 20 would take 7 minutes per training on one core)."""
    if set(corpus) - set(WITH_BROWN):
        return min(GENSIM_DEFAULT_EPOCHS, p.word2vec_epochs)
    return p.word2vec_epochs


def in_domain_repeats(p: Profile, corpus: tuple[str, ...]) -> int:
    """How many times ``corpus`` lists the in-domain text so that word2vec passes over it as
    often as over the in-domain corpus alone: 20 in-domain epochs over 5 general ones is 4."""
    if not set(corpus) & set(IN_DOMAIN):
        return 1
    return max(1, p.word2vec_epochs // word2vec_epochs_for(p, corpus))


def matched_corpus(p: Profile, corpus: tuple[str, ...]) -> tuple[str, ...]:
    """``corpus`` with its in-domain sources repeated :func:`in_domain_repeats` times, so every
    point of the corpus curve reads the in-domain text equally often."""
    in_domain = tuple(s for s in corpus if s in IN_DOMAIN)
    rest = tuple(s for s in corpus if s not in IN_DOMAIN)
    return in_domain * in_domain_repeats(p, corpus) + rest


def corpus_name(corpus: str) -> str:
    """The :data:`CORPORA` name of a grid row's ``corpus`` column (``"train+unlabeled"`` ->
    ``"in_domain"``; a source listed more than once, as :func:`matched_corpus` does, counts
    once)."""
    names = {"+".join(sources): name for name, sources in CORPORA.items()}
    return names["+".join(dict.fromkeys(corpus.split("+")))]


CURVE_MODES = {"static": "static", "non_static": "non-static"}  # contrast name prefix: mode


def curve_contrasts(p: Profile) -> Contrasts:
    """Question 3's corpus curve: the vectors of each of :data:`CORPORA` (as
    :func:`matched_corpus` lists it), frozen and fine-tuned, minus ``rand`` on the same folds,
    named ``{mode}_{corpus}`` (``non_static_general``); a run without vectors has no corpus."""
    return Contrasts(
        ("mode", "corpus"),
        {
            f"{field}_{name}": ((mode, "+".join(matched_corpus(p, sources))), ("rand", ""))
            for name, sources in CORPORA.items()
            for field, mode in CURVE_MODES.items()
        },
        family=False,
        name="curve_contrasts(P)",
    )


@experiment(Q2, Q3, INTRO, contrasts=(curve_contrasts,))
def corpus_sizes(p: Profile, dataset: str | None = None) -> list[RunConfig]:
    """Question 3: skip-gram vectors from each of :data:`CORPORA` (:func:`matched_corpus`),
    frozen and fine-tuned, and ``rand`` on the same folds (their difference from it is the
    curve)."""
    common = one_dataset_cnn(p, dataset)
    return grid(mode="rand", **common) + [
        config
        for corpus in CORPORA.values()
        for config in grid(
            mode=["static", "non-static"],
            init="skipgram",
            corpus=matched_corpus(p, corpus),
            word2vec_epochs=word2vec_epochs_for(p, corpus),
            **common,
        )
    ]


def word2vec_epochs_contrasts(p: Profile) -> Contrasts:
    """The profile's word2vec epochs minus gensim's default 5, per kind of vectors."""
    return Contrasts(
        ("init", "word2vec_epochs"),
        {
            init: ((init, p.word2vec_epochs), (init, GENSIM_DEFAULT_EPOCHS))
            for init in WORD2VEC_KINDS
        },
        family=False,
        name="word2vec_epochs_contrasts(P)",
    )


@experiment(Q3, contrasts=(word2vec_epochs_contrasts,))
def word2vec_epochs(p: Profile, dataset: str | None = None) -> list[RunConfig]:
    """Question 3: frozen vectors trained for gensim's default 5 epochs vs the profile's epochs."""
    return grid(
        mode="static",
        init=list(WORD2VEC_KINDS),
        word2vec_epochs=sorted({GENSIM_DEFAULT_EPOCHS, p.word2vec_epochs}),
        **one_dataset_cnn(p, dataset),
    )


# ---------------------------------------------------------------- beyond the question


@experiment(BEYOND, INTRO)
def tfidf(p: Profile, datasets=None) -> list[RunConfig]:
    """Beyond: TF-IDF + logistic regression, the bag-of-words baseline."""
    return grid(profile=p, dataset=list(datasets or p.datasets), arch="tfidf")


# On :func:`w2vcnn.analyses.against_tfidf`'s frame (the CNN mode best on dev, and TF-IDF).
# Beyond's primary family, over every dataset.
TFIDF_CONTRASTS = Contrasts(
    "model", {"best_cnn_vs_tfidf": ("best_cnn", "tfidf")}, name="TFIDF_CONTRASTS"
)


TRAIN_FRACTIONS = (0.05, 0.1, 0.25, 0.5, 1.0)
SWEEP_CONTRASTS = Contrasts(  # model: the CNN's mode, or "tfidf"
    "model",
    {
        "static_vs_rand": ("static", "rand"),
        "non_static_vs_rand": ("non-static", "rand"),
        "non_static_vs_tfidf": ("non-static", "tfidf"),
    },
    family=False,
    name="SWEEP_CONTRASTS",
)


@experiment(
    BEYOND,
    INTRO,
    contrasts=(SWEEP_CONTRASTS,),
    column="model",
    per=("dataset", "train_fraction"),
)
def labelled_sizes(p: Profile, datasets=None) -> dict[str, list[RunConfig]]:
    """Beyond: the CNN (random, frozen and fine-tuned pretrained vectors) and TF-IDF trained on
    each of :data:`TRAIN_FRACTIONS` of every training fold, with the same vectors (word2vec reads
    the whole fold's text, unlabeled) and the same dev and test sentences; by model (the CNN's
    mode, or ``"tfidf"``)."""
    common = dict(
        profile=p,
        folds=p.secondary_folds,
        dataset=list(datasets or p.datasets),
        train_fraction=list(TRAIN_FRACTIONS),
    )
    cnn = dict(arch="cnn", backend="torch", **pretrained(p), **common)
    models = {mode: grid(mode=mode, **cnn) for mode in ("rand", "static", "non-static")}
    return {**models, "tfidf": grid(arch="tfidf", **common)}


SCHEDULE_CONTRASTS = Contrasts(  # exploratory: each schedule minus frozen vectors, and
    # fine-tuning the pretrained rows too minus learning only the words that have none
    "schedule",
    {
        "fine_tuned": ("fine_tuned", "frozen"),
        "frozen_then_unfrozen": ("frozen_then_unfrozen", "frozen"),
        "gentle_fine_tuning": ("gentle_fine_tuning", "frozen"),
        "eager_fine_tuning": ("eager_fine_tuning", "frozen"),
        "pretrained_rows_frozen": ("pretrained_rows_frozen", "frozen"),
        "fine_tuned_vs_pretrained_rows_frozen": ("fine_tuned", "pretrained_rows_frozen"),
        "eager_fine_tuning_vs_random_rows_eager": ("eager_fine_tuning", "random_rows_eager"),
        "random_rows_eager_vs_rand": ("random_rows_eager", "random_rows"),
    },
    family=False,
    name="SCHEDULE_CONTRASTS",
)


@experiment(BEYOND, contrasts=(SCHEDULE_CONTRASTS,), column="schedule")
def transfer_schedules(p: Profile, dataset: str | None = None) -> dict[str, list[RunConfig]]:
    """Beyond: frozen, fine-tuned, frozen-then-unfrozen, fine-tuned with a 10x smaller or larger
    embedding step, and fine-tuned with the pretrained rows frozen (only the words without a
    pretrained vector learn), by schedule name."""
    common = one_dataset_cnn(p, dataset, **pretrained(p))
    return {
        "frozen": grid(mode="static", **common),
        "fine_tuned": grid(mode="non-static", **common),
        "frozen_then_unfrozen": grid(mode="static", unfreeze_epoch=4, **common),
        "gentle_fine_tuning": grid(mode="non-static", embedding_lr_scale=0.1, **common),
        "eager_fine_tuning": grid(mode="non-static", embedding_lr_scale=10.0, **common),
        "pretrained_rows_frozen": grid(mode="non-static", frozen_rows="pretrained", **common),
        # Kim's rand with the same 10x step, and without it: does the eager step help any
        # embedding, or the pretrained one?
        "random_rows_eager": grid(mode="rand", embedding_lr_scale=10.0, **common),
        "random_rows": grid(mode="rand", **common),
    }


# The steps of the book's recipe that a chapter's primary family tests: quoted from there,
# Holm-adjusted as there, never tested again (step -> the family and its contrast)
RECIPE_QUOTED = {
    "pretrained_vs_random": (MODE_CONTRASTS, "non_static_vs_rand"),
    "fine_tuned_vs_frozen": (MODE_CONTRASTS, "non_static_vs_static"),
    "cnn_vs_tfidf": (TFIDF_CONTRASTS, "best_cnn_vs_tfidf"),
    "skipgram_vs_cbow": (INIT_CONTRASTS, "non-static"),
}
# The other steps (exploratory, unadjusted): runs of the chapters above, compared paired on the
# folds both sides ran (every fold where both are headline grids, else the secondary folds)
RECIPE_CONTRASTS = Contrasts(
    "side",
    {
        "cnn_vs_cbow_classifier": ("fine_tuned", "cbow_classifier"),
        "brown_vs_in_domain": ("our_skipgram_brown", "our_skipgram"),
    },
    family=False,
    name="RECIPE_CONTRASTS",
)


@experiment(BEYOND, contrasts=(RECIPE_CONTRASTS,), column="side")
def recipe(p: Profile, dataset: str | None = None) -> dict[str, list[RunConfig]]:
    """Beyond: the sides of each exploratory step of the book's recipe
    (:data:`RECIPE_CONTRASTS`), by name: the fine-tuned CNN and what each step weighs it against,
    on ``dataset``, under the profile's stopping rule (the quoted steps, :data:`RECIPE_QUOTED`,
    come from their chapters' runs)."""
    dataset = dataset or first(p)
    best = dict(
        profile=p,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        mode="non-static",
        **pretrained(p),
    )
    ours = dict(best, init="skipgram", vector_size=p.vector_size)  # question 3 compares ours
    return {
        "fine_tuned": grid(**best),
        "cbow_classifier": grid(**{**best, "arch": "cbow"}, folds=p.secondary_folds),
        "our_skipgram": grid(**ours),
        "our_skipgram_brown": grid(**ours, folds=p.secondary_folds, corpus=WITH_BROWN),
    }


# ---------------------------------------------------------------- every page


def catalogue(p: Profile):
    """Every experiment, one row each, for the profile: the pages that show it, its runs, the
    column naming its groups (``""``: one group), the names a page passes its contrasts by
    (``MODE_CONTRASTS``, ``word2vec_epochs_contrasts(P)``) and whether each is a primary family,
    the run columns their sides name (``by``), how many contrasts they hold, and the equivalence
    ``margin`` a page tests within (NaN: none; Results lists them:
    :func:`w2vcnn.tables.catalogue_table`)."""
    import pandas as pd

    rows = [
        {
            "experiment": name,
            "pages": e.pages,
            "runs": len(e(p)),
            "groups": e.column or "",
            "contrasts": tuple(_named(named, name) for named in e.contrasts(p)),
            "primary": tuple(named.family for named in e.contrasts(p)),
            "by": tuple(dict.fromkeys(by for named in e.contrasts(p) for by in named.columns)),
            "compared": sum(len(named) for named in e.contrasts(p)),
            "margin": e.margin,
        }
        for name, e in EXPERIMENTS.items()
    ]
    return pd.DataFrame(rows).set_index("experiment")


def _named(contrasts: Contrasts, experiment: str) -> str:
    if not contrasts.name:
        raise ValueError(f"experiment {experiment}: a contrast set without a name")
    return contrasts.name


def chapter_grids(p: Profile) -> dict[str, list[RunConfig]]:
    """The runs each page asks for, by page, each once: those of every experiment that lists it."""
    return {
        page: list(dict.fromkeys(c for e in EXPERIMENTS.values() if page in e.pages for c in e(p)))
        for page in PAGES
    }
