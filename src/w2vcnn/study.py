"""The study's experiments, defined once: every chapter asks for its grid, and its contrasts, by
name.

Each grid function takes the :class:`~w2vcnn.profile.Profile` that sizes it (folds, epochs, vector
size). The headline grids (question 1's modes on both datasets, question 3's skip-gram vs CBOW on
rt-polarity, the TF-IDF baseline) run on the profile's ``folds`` (Kim's 10); the others, the Keras
twin of question 1 included, on its ``secondary_folds``, a subset, so a run both ask for is trained
once. Two chapters that need the same run get the same :class:`~w2vcnn.experiments.RunConfig`,
hence the same cache entry. Each grid's contrasts are declared beside it, named, as pairs of values
of the grid's columns (``by``), for :func:`w2vcnn.stats.paired_table`.
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
# The same table's bag-of-words rows (Wang & Manning 2012), which beat CNN-rand on MR and Subj.
KIM_BASELINES = {"MR": {"NBSVM": 79.4, "MNB": 79.0}, "Subj": {"NBSVM": 93.2, "MNB": 93.6}}
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


# by="mode". Question 1's primary family (Holm-adjusted over both datasets): does fine-tuning
# pretrained vectors beat random vectors, and beat freezing them?
MODE_CONTRASTS = {
    "non_static_vs_rand": ("non-static", "rand"),
    "non_static_vs_static": ("non-static", "static"),
}
MODE_EXPLORATORY = {  # unadjusted, labelled exploratory on the page
    "static_vs_rand": ("static", "rand"),
    "multichannel_vs_non_static": ("multichannel", "non-static"),
}


def backends(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 1: the same three modes in PyTorch and in Keras, on the same (secondary) folds.

    Whether the libraries agree is judged per test sentence (McNemar on every prediction), which
    three folds already give thousands of."""
    return grid(
        profile=p,
        folds=p.secondary_folds,
        dataset=dataset,
        arch="cnn",
        backend=["torch", "keras"],
        mode=["rand", "static", "non-static"],
        init="skipgram",
    )


# Keras and PyTorch "agree" when Keras - PyTorch is shown to lie within +-1 point of accuracy
# (TOST over the paired runs): a third of the fold-to-fold spread of one variant, and smaller
# than any difference between modes the book draws a conclusion from.
BACKEND_MARGIN = 0.01


def backend_agreement(both, margin: float = BACKEND_MARGIN):
    """Keras against PyTorch per mode and over all modes (``both``: the :func:`backends` grid).

    Two tests that answer "do they agree", not "do their intervals overlap": TOST on the paired
    runs' accuracies (equivalent within ``margin``), and, sentence by sentence over every paired
    run's test predictions, the share predicted alike with McNemar's test of equal accuracy and the
    95% interval of the accuracy difference those sentences give.
    """
    import numpy as np
    import pandas as pd

    from .experiments import load_result
    from .stats import PAIR_KEYS, equivalence, mcnemar, paired_values

    keys = [k for k in PAIR_KEYS if k in both.columns] + ["mode"]
    rows = {}
    for mode in [*pd.unique(both["mode"]), "all modes"]:
        runs = both if mode == "all modes" else both[both["mode"] == mode]
        tost = equivalence(runs, "keras", "torch", margin, by="backend", on=keys)
        ids = paired_values(runs, "keras", "torch", by="backend", on=keys, value="run_id")
        keras, torch = ([load_result(i) for i in ids[side]] for side in ("a", "b"))
        per_sentence = mcnemar(
            np.concatenate([r.test_predictions for r in keras]),
            np.concatenate([r.test_predictions for r in torch]),
            np.concatenate([r.test_labels for r in keras]),
        )
        difference = per_sentence["accuracy_a"] - per_sentence["accuracy_b"]
        rows[mode] = {
            "paired runs": tost.n_pairs,
            "Keras − PyTorch (points)": f"{100 * tost.mean_difference:+.2f}",
            "90% CI": f"[{100 * tost.ci90_low:+.2f}, {100 * tost.ci90_high:+.2f}]",
            f"TOST p (±{100 * margin:g})": tost.p_value,
            "equivalent": "yes" if tost.equivalent else "not shown",
            "test sentences": per_sentence["n"],
            "same prediction (%)": 100 * per_sentence["agreement"],
            "only Keras right / only PyTorch right": f"{per_sentence['b']} / {per_sentence['c']}",
            "McNemar p": per_sentence["p_value"],
            "per-sentence difference, 95% CI (points)": (
                f"{100 * difference:+.2f} ± {100 * per_sentence['difference_ci95']:.2f}"
            ),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("mode")


def against_kim(aggregated):
    """Our mean per mode beside Kim's Table 2, and the difference, in percent (``aggregated`` by
    dataset and mode, from :func:`w2vcnn.stats.aggregate`). Kim's MR is balanced and rt-polarity
    is not: aggregate ``balanced_accuracy`` for this table."""
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
        folds=p.secondary_folds,
        dataset=list(datasets),
        arch="cbow",
        backend="torch",
        mode=list(MODES),
        init="skipgram",
    )


def initialisers(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """Question 3: skip-gram vs CBOW vectors as the CNN's initial embedding, frozen and
    fine-tuned; on every fold for the first dataset, on the secondary folds for the others."""
    return [
        config
        for i, dataset in enumerate(datasets)
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


# by=("mode", "init"): skip-gram minus CBOW vectors. Question 3's primary family on rt-polarity's
# ten folds; on rt-subjectivity's secondary folds the same contrasts are exploratory.
INIT_CONTRASTS = {mode: ((mode, "skipgram"), (mode, "cbow")) for mode in ("static", "non-static")}


def corpus_sizes(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 3: in-domain text only vs in-domain text plus the Brown corpus (4x the tokens)."""
    return grid(
        profile=p,
        folds=p.secondary_folds,
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
        folds=p.secondary_folds,
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


def dataset_of(config: RunConfig):
    """The dataset, split as ``config`` splits it (its fold, seed and size): the one its word
    vectors were trained on, so a page asking for them reads the cached file."""
    from .experiments import _dataset_of

    return _dataset_of(config.validated())


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


def best_on_dev(frame, by: str = "mode") -> dict:
    """Per dataset, the value of ``by`` whose runs have the highest mean *dev* accuracy: a "best
    model" chosen on test would be chosen on the numbers it is then judged by."""
    means = frame.groupby(["dataset", by], sort=False)["dev_accuracy"].mean()
    return {dataset: group.idxmax()[1] for dataset, group in means.groupby(level=0, sort=False)}


def against_tfidf(cnn, baseline):
    """The CNN mode best on dev (:func:`best_on_dev`), per dataset, and the TF-IDF runs, in one
    frame whose ``model`` column is ``"best CNN"`` or ``"TF-IDF"`` (for :data:`TFIDF_CONTRASTS`)."""
    import pandas as pd

    best = best_on_dev(cnn)
    chosen = cnn[cnn["mode"] == cnn["dataset"].map(best)]
    return pd.concat([chosen.assign(model="best CNN"), baseline.assign(model="TF-IDF")])


# by="model" on :func:`against_tfidf`'s frame. Beyond's primary family, over both datasets.
TFIDF_CONTRASTS = {"best_cnn_vs_tfidf": ("best CNN", "TF-IDF")}


def transfer_schedules(p: Profile, dataset: str = "rt-polarity") -> dict[str, list[RunConfig]]:
    """Beyond: frozen, fine-tuned, frozen-then-unfrozen, and fine-tuned with a 10x smaller
    embedding step, by schedule name (run them with :func:`w2vcnn.grids.run_groups`)."""
    common = dict(
        profile=p,
        folds=p.secondary_folds,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        init="skipgram",
    )
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
    """Beyond: each step of the book's recipe as two sets of runs, ``(a, b)``, compared paired on
    the folds both have (every fold where both are headline grids, else the secondary folds)."""
    best = dict(
        profile=p, dataset=dataset, arch="cnn", backend="torch", mode="non-static", init="skipgram"
    )
    tuned = grid(**best)
    secondary = dict(best, folds=p.secondary_folds)
    return {
        "pretrained vectors vs random init": (tuned, grid(**{**best, "mode": "rand"})),
        "fine-tuned vs frozen": (tuned, grid(**{**best, "mode": "static"})),
        "CNN vs TF-IDF + logistic regression": (
            tuned,
            grid(profile=p, dataset=dataset, arch="tfidf"),
        ),
        "CNN vs supervised CBOW classifier": (tuned, grid(**{**secondary, "arch": "cbow"})),
        "skip-gram vs CBOW vectors": (tuned, grid(**{**best, "init": "cbow"})),
        "+ Brown corpus vs in-domain text only": (grid(**secondary, corpus=WITH_BROWN), tuned),
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
        "Beyond": (
            tfidf(p)
            + embedding_modes(p)
            + schedules
            + [c for a, b in recipe(p).values() for c in a + b]
        ),
    }
