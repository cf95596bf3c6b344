"""The study's experiments, defined once: every chapter asks for its grid, and its contrasts, by
name.

Each grid function takes the :class:`~w2vcnn.profile.Profile` that sizes it (seeds, epochs, vector
size). Two chapters that need the same run get the same :class:`~w2vcnn.experiments.RunConfig`,
hence the same cache entry: the run is trained once. Each grid's contrasts are declared beside it,
named, as pairs of values of the grid's columns (``by``), for :func:`w2vcnn.stats.paired_table`.
"""

from __future__ import annotations

from .embeddings import WORD2VEC_KINDS
from .experiments import RunConfig
from .grids import grid, run_groups
from .models import MODES
from .profile import Profile

DATASETS = ("rt-polarity", "rt-subjectivity")
IN_DOMAIN = RunConfig.corpus  # the dataset's training sentences + plot texts
WITH_BROWN = IN_DOMAIN + ("brown",)
GENSIM_DEFAULT_EPOCHS = 5

# Kim (2014), Table 2: test accuracy (%) on the datasets ours rebuild
# (MR -> rt-polarity, Subj -> rt-subjectivity).
KIM_2014 = {
    "MR": {"rand": 76.1, "static": 81.0, "non-static": 81.5, "multichannel": 81.1},
    "Subj": {"rand": 89.6, "static": 93.0, "non-static": 93.4, "multichannel": 93.2},
}
KIM_DATASET = {"rt-polarity": "MR", "rt-subjectivity": "Subj"}
KIM_BY_DATASET = {ours: KIM_2014[kims] for ours, kims in KIM_DATASET.items()}


# ---------------------------------------------------------------- question 1


def embedding_modes(
    p: Profile, datasets=DATASETS, init: str = "skipgram", backend: str = "torch"
) -> list[RunConfig]:
    """Questions 1-3 and Beyond: Kim's CNN in each embedding mode, from our skip-gram vectors."""
    return grid(
        profile=p, dataset=list(datasets), arch="cnn", backend=backend, mode=list(MODES), init=init
    )


MODE_CONTRASTS = {  # by="mode"
    "non_static_vs_static": ("non-static", "static"),
    "static_vs_rand": ("static", "rand"),
    "non_static_vs_rand": ("non-static", "rand"),
    "multichannel_vs_non_static": ("multichannel", "non-static"),
}


def backends(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 1: the same three modes in PyTorch and in Keras, on the same splits and seeds."""
    return grid(
        profile=p,
        dataset=dataset,
        arch="cnn",
        backend=["torch", "keras"],
        mode=["rand", "static", "non-static"],
        init="skipgram",
    )


BACKEND_CONTRASTS = {  # by=("mode", "backend"): Keras minus PyTorch
    mode: ((mode, "keras"), (mode, "torch")) for mode in ("rand", "static", "non-static")
}


def against_kim(aggregated):
    """Our mean test accuracy per mode beside Kim's Table 2, and the difference, in percent
    (``aggregated`` by dataset and mode, from :func:`w2vcnn.stats.aggregate`)."""
    import pandas as pd

    rows = []
    for _, row in aggregated.iterrows():
        kim = KIM_2014[KIM_DATASET[row["dataset"]]].get(row["mode"])
        if kim is not None:
            ours = 100 * row["mean"]
            rows.append(
                {
                    "dataset": f"{row['dataset']} vs {KIM_DATASET[row['dataset']]}",
                    "mode": row["mode"],
                    "ours (%)": round(ours, 1),
                    "Kim (%)": kim,
                    "ours − Kim": round(ours - kim, 1),
                }
            )
    return pd.DataFrame(rows).set_index(["dataset", "mode"])


# ---------------------------------------------------------------- questions 2 and 3


def classifiers(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """Questions 2 and 3: the supervised CBOW classifier fed the same vectors as the CNN."""
    return grid(
        profile=p,
        dataset=list(datasets),
        arch="cbow",
        backend="torch",
        mode=list(MODES),
        init="skipgram",
    )


def initialisers(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """Question 3: skip-gram vs CBOW vectors as the CNN's initial embedding, frozen and
    fine-tuned."""
    return grid(
        profile=p,
        dataset=list(datasets),
        arch="cnn",
        backend="torch",
        mode=["static", "non-static"],
        init=list(WORD2VEC_KINDS),
    )


INIT_CONTRASTS = {  # by=("mode", "init"): skip-gram minus CBOW vectors
    mode: ((mode, "skipgram"), (mode, "cbow")) for mode in ("static", "non-static")
}


def corpus_sizes(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 3: in-domain text only vs in-domain text plus the Brown corpus (4x the tokens)."""
    return grid(
        profile=p,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        mode=["static", "non-static"],
        init="skipgram",
        corpus=[IN_DOMAIN, WITH_BROWN],
    )


CORPUS_CONTRASTS = {  # by=("mode", "corpus"): with the Brown corpus minus in-domain text only
    mode: ((mode, "+".join(WITH_BROWN)), (mode, "+".join(IN_DOMAIN)))
    for mode in ("static", "non-static")
}


def word2vec_epochs(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 3: frozen vectors trained for gensim's default 5 epochs vs the profile's epochs."""
    return grid(
        profile=p,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        mode="static",
        init=list(WORD2VEC_KINDS),
        word2vec_epochs=sorted({GENSIM_DEFAULT_EPOCHS, p.word2vec_epochs}),
    )


def word2vec_epochs_contrasts(p: Profile) -> dict:
    """by=("init", "word2vec_epochs"): the profile's word2vec epochs minus gensim's default 5."""
    return {
        init: ((init, p.word2vec_epochs), (init, GENSIM_DEFAULT_EPOCHS)) for init in WORD2VEC_KINDS
    }


def vectors_by_epochs(p: Profile, dataset, epochs):
    """Skip-gram and CBOW vectors trained for each number of ``epochs`` (cached): time, spread,
    quality."""
    import pandas as pd

    from . import intrinsic
    from .experiments import word2vec_vectors

    rows = {}
    for init in WORD2VEC_KINDS:
        for n in epochs:
            kv, meta = word2vec_vectors(
                dataset, RunConfig.for_profile(p, init=init, mode="static", word2vec_epochs=n)
            )
            scores = intrinsic.evaluate(kv).set_index("benchmark")["score"]
            rows[(init, n)] = {
                "training seconds": meta["training_seconds"],
                "mean cosine of random pairs": intrinsic.mean_cosine(kv),
                "WordSim353 ρ": scores["WordSim353"],
                "SimLex-999 ρ": scores["SimLex-999"],
                "neighbours of 'good'": intrinsic.neighbours(kv, "good", k=3),
            }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["vectors", "word2vec epochs"])


# ---------------------------------------------------------------- beyond the question


def tfidf(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """Beyond: TF-IDF + logistic regression, the bag-of-words baseline."""
    return grid(profile=p, dataset=list(datasets), arch="tfidf")


def transfer_schedules(p: Profile, dataset: str = "rt-polarity") -> dict[str, list[RunConfig]]:
    """Beyond: frozen, fine-tuned, frozen-then-unfrozen, and fine-tuned with a 10x smaller
    embedding step, by schedule name (run them with :func:`w2vcnn.grids.run_groups`)."""
    common = dict(profile=p, dataset=dataset, arch="cnn", backend="torch", init="skipgram")
    return {
        "frozen": grid(mode="static", **common),
        "fine-tuned": grid(mode="non-static", **common),
        "frozen, then unfrozen": grid(mode="static", unfreeze_epoch=4, **common),
        "gentle fine-tuning": grid(mode="non-static", embedding_lr_scale=0.1, **common),
    }


SCHEDULE_CONTRASTS = {  # by="schedule": each schedule minus frozen vectors
    name: (name, "frozen") for name in ("fine-tuned", "frozen, then unfrozen", "gentle fine-tuning")
}


def recipe(
    p: Profile, dataset: str = "rt-polarity"
) -> dict[str, tuple[list[RunConfig], list[RunConfig]]]:
    """Beyond: each step of the book's recipe as two sets of runs, ``(a, b)``, compared paired."""
    best = dict(
        profile=p, dataset=dataset, arch="cnn", backend="torch", mode="non-static", init="skipgram"
    )
    tuned = grid(**best)
    return {
        "pretrained vectors vs random init": (tuned, grid(**{**best, "mode": "rand"})),
        "fine-tuned vs frozen": (tuned, grid(**{**best, "mode": "static"})),
        "CNN vs TF-IDF + logistic regression": (
            tuned,
            grid(profile=p, dataset=dataset, arch="tfidf"),
        ),
        "CNN vs supervised CBOW classifier": (tuned, grid(**{**best, "arch": "cbow"})),
        "skip-gram vs CBOW vectors": (tuned, grid(**{**best, "init": "cbow"})),
        "+ Brown corpus vs in-domain text only": (grid(**best, corpus=WITH_BROWN), tuned),
    }


def recipe_evidence(p: Profile, dataset: str = "rt-polarity"):
    """The paired difference behind each step of :func:`recipe` (numbered rows)."""
    import pandas as pd

    from .stats import compare, comparison_cells

    rows = []
    for step, (a, b) in recipe(p, dataset).items():
        runs = run_groups({"a": a, "b": b}, column="side", progress=False)
        rows.append(
            {
                "step": step,
                "a": a[0].variant,
                "b": b[0].variant,
                **comparison_cells(compare(runs, "a", "b", by="side")),
            }
        )
    return pd.DataFrame(rows, index=range(1, len(rows) + 1))


# ---------------------------------------------------------------- every chapter


def chapter_grids(p: Profile) -> dict[str, list[RunConfig]]:
    """The runs each chapter asks for, by chapter."""
    schedules = [c for configs in transfer_schedules(p).values() for c in configs]
    return {
        "Q1 embedding layer": embedding_modes(p) + backends(p),
        "Q2 vec.bin": embedding_modes(p) + classifiers(p),
        "Q3 skip-gram and CBOW": (
            initialisers(p)
            + classifiers(p)
            + corpus_sizes(p)
            + word2vec_epochs(p)
            + embedding_modes(p)
        ),
        "Beyond": tfidf(p) + embedding_modes(p) + schedules,
    }
