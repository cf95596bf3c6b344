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

import functools
import math
from typing import NamedTuple

import numpy as np

from .choices import GENERAL, MODES, WORD2VEC_KINDS
from .experiments import RunConfig
from .grids import grid, run_groups
from .profile import Profile
from .tables import variant

DATASETS = ("rt-polarity", "rt-subjectivity")
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


def pretrained(p: Profile) -> dict:
    """The ``init`` (and ``vector_size``) of every grid that starts from "the pretrained vectors":
    the reader's file when the profile names one (``make book VECTORS=...``), else our skip-gram
    vectors. Question 3's own comparisons (skip-gram vs CBOW, corpora, epochs) keep ours."""
    if p.vectors is None:
        return {"init": "skipgram"}
    return {"init": p.vectors, "vector_size": _dimension(p.vectors)}


@functools.lru_cache
def _dimension(path: str) -> int:
    from .word2vec_format import load_vectors

    return load_vectors(path, limit=1).vector_size


# ---------------------------------------------------------------- question 1


def embedding_modes(p: Profile, datasets=DATASETS, backend: str = "torch") -> list[RunConfig]:
    """Questions 1-3 and Beyond: Kim's CNN in each embedding mode, from the pretrained vectors
    (:func:`pretrained`)."""
    return grid(
        profile=p,
        dataset=list(datasets),
        arch="cnn",
        backend=backend,
        mode=list(MODES),
        **pretrained(p),
    )


def scaled_rand(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """Question 1's control for the rows' scale: ``rand-scaled``, Kim's ``rand`` with its rows
    drawn at the pretrained vectors' scale (a = sqrt(3 var), as the pretrained modes' unknown
    words) instead of 0.25, on the headline folds. Kim's ``rand`` stays the row compared with
    Kim."""
    return grid(
        profile=p,
        dataset=list(datasets),
        arch="cnn",
        backend="torch",
        mode="rand-scaled",
        **pretrained(p),
    )


def headline(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """The runs of question 1's primary contrasts: :func:`embedding_modes` and
    :func:`scaled_rand`."""
    return embedding_modes(p, datasets) + scaled_rand(p, datasets)


def random_scales(runs) -> dict[str, float]:
    """Each dataset's a of its ``rand-scaled`` runs' rows (U[-a, a]; the mean over the folds, whose
    vectors each have their own), to print beside Kim's 0.25."""
    from .experiments import load_result

    scaled = runs[runs["mode"] == "rand-scaled"]
    return {
        dataset: float(np.mean([load_result(i).extra["random_scale"] for i in group["run_id"]]))
        for dataset, group in scaled.groupby("dataset", sort=False)
    }


# by="mode" on the headline runs. Question 1's primary family (Holm-adjusted over both datasets):
# does fine-tuning pretrained vectors beat random vectors (Kim's, and at the vectors' own scale),
# and beat freezing them?
MODE_CONTRASTS = {
    "non_static_vs_rand": ("non-static", "rand"),
    "non_static_vs_rand_scaled": ("non-static", "rand-scaled"),
    "non_static_vs_static": ("non-static", "static"),
}
MODE_EXPLORATORY = {  # unadjusted, labelled exploratory on the page
    "static_vs_rand": ("static", "rand"),
    "multichannel_vs_non_static": ("multichannel", "non-static"),
    "rand_scaled_vs_rand": ("rand-scaled", "rand"),
}
SEED_MODES = ("rand", "rand-scaled", "static", "non-static")  # those of MODE_CONTRASTS


def replicates(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """Question 1's seed control: the modes of the primary contrasts ``p.replicates`` times on
    each secondary fold (replicate 0 is the headline run; the others draw word2vec's start, the
    random rows, the weights and the batch order anew on the same sentences)."""
    return grid(
        profile=p,
        folds=p.secondary_folds,
        dataset=list(datasets),
        arch="cnn",
        backend="torch",
        mode=list(SEED_MODES),
        replicate=list(range(p.replicates)),
        **pretrained(p),
    )


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
        **pretrained(p),
    )


def seed_variance(runs, modes=SEED_MODES):
    """How much of a mode's accuracy is the fold and how much the seed (``runs``: the
    :func:`replicates` grid), per dataset and mode, in points: the standard deviation between
    the folds' means, and between the replicates within a fold (one-way random effects: the
    within-fold variance pooled over folds; the between-fold component less its share of it)."""
    import pandas as pd

    rows = []
    for (dataset, mode), of_mode in runs.groupby(["dataset", "mode"], sort=False):
        if mode in modes:
            by_fold = of_mode.pivot_table(index="fold", columns="replicate", values="test_accuracy")
            rows.append({"dataset": dataset, "mode": mode, **_components(by_fold)})
    return pd.DataFrame(rows).set_index(["dataset", "mode"])


def _components(by_fold) -> dict:
    """Variance components of a folds x replicates table, as standard deviations in points."""
    within = float(by_fold.var(axis=1, ddof=1).mean())
    between = max(float(by_fold.mean(axis=1).var(ddof=1)) - within / by_fold.shape[1], 0.0)
    return {
        "folds": by_fold.shape[0],
        "replicates": by_fold.shape[1],
        "SD between folds": 100 * math.sqrt(between),
        "SD between seeds": 100 * math.sqrt(within),
    }


def seed_stability(runs, contrasts=MODE_CONTRASTS):
    """Does each contrast's answer depend on the seed? Per dataset and contrast (``runs``: the
    :func:`replicates` grid): the paired difference on the secondary folds for each replicate
    alone, with its verdict (:func:`w2vcnn.stats.verdict` of that replicate's p, unadjusted), the
    variance components of the difference (:func:`seed_variance`'s), and whether every replicate
    gives the same verdict and the same sign."""
    import pandas as pd

    from .stats import compare, paired_values, verdict

    rows = []
    for dataset, of_dataset in runs.groupby("dataset", sort=False):
        for name, (a, b) in contrasts.items():
            row = {"dataset": dataset, "contrast": name}
            verdicts, signs, differences = [], [], {}
            for replicate, runs_r in of_dataset.groupby("replicate"):
                c = compare(runs_r, a, b, by="mode")
                verdicts.append(verdict(c.mean_difference, c.p_value))
                signs.append(np.sign(c.mean_difference))
                row[f"replicate {replicate}: a − b (points)"] = 100 * c.mean_difference
                row[f"replicate {replicate}: verdict"] = verdicts[-1]
                pairs = paired_values(runs_r, a, b, by="mode").set_index("fold")
                differences[replicate] = pairs["a"] - pairs["b"]
            components = _components(pd.DataFrame(differences))
            row["SD between folds"] = components["SD between folds"]
            row["SD between seeds"] = components["SD between seeds"]
            row["same verdict every seed"] = len(set(verdicts)) == 1
            row["same sign every seed"] = len(set(signs)) == 1
            rows.append(row)
    return pd.DataFrame(rows).set_index(["dataset", "contrast"])


class SeedSummary(NamedTuple):
    """What :func:`seed_variance` and :func:`seed_stability` say in brief (SDs in points)."""

    contrasts: int
    same_verdict: int  # contrasts whose verdict is the same for every replicate
    same_sign: int  # ... whose difference has the same sign for every replicate
    seed_sd: tuple[float, float]  # the smallest and largest SD between seeds, over the modes
    fold_sd: tuple[float, float]  # ... and between folds


def seed_summary(variance, stability) -> SeedSummary:
    """The counts and ranges a page states of the seed control."""
    return SeedSummary(
        contrasts=len(stability),
        same_verdict=int(stability["same verdict every seed"].sum()),
        same_sign=int(stability["same sign every seed"].sum()),
        seed_sd=(variance["SD between seeds"].min(), variance["SD between seeds"].max()),
        fold_sd=(variance["SD between folds"].min(), variance["SD between folds"].max()),
    )


# Keras and PyTorch "agree" when Keras - PyTorch is shown to lie within +-1 point of accuracy
# (TOST over the paired runs): smaller than any difference between modes the book draws a
# conclusion from.
BACKEND_MARGIN = 0.01


def backend_agreement(both, margin: float = BACKEND_MARGIN):
    """Keras against PyTorch per mode and over all modes (``both``: the :func:`backends` grid).

    Two tests that answer "do they agree", not "do their intervals overlap": TOST on the paired
    runs' accuracies (equivalent within ``margin``, with the power the design has to show it),
    and, per mode, sentence by sentence over every paired run's test predictions, the share
    predicted alike with McNemar's test of equal accuracy and the 95% interval of the accuracy
    difference those sentences give. Over all modes, TOST pairs each fold's mean over the modes
    (the modes of a fold share its split: they are not independent pairs), and no per-sentence
    test is run (each sentence would count once per mode); the share predicted alike is given.
    One row per mode and ``"all modes"``, in numbers (fractions), shown by
    :func:`w2vcnn.tables.backend_table`.
    """
    import numpy as np
    import pandas as pd

    from .experiments import load_result
    from .stats import PAIR_KEYS, equivalence, mcnemar, paired_values

    fold = [k for k in PAIR_KEYS if k in both.columns]
    keys = fold + ["mode"]
    rows = {}
    for mode in [*pd.unique(both["mode"]), "all modes"]:
        pooled = mode == "all modes"
        runs = both if pooled else both[both["mode"] == mode]
        if pooled:
            per_fold = both.groupby([*fold, "backend"], as_index=False, dropna=False)[
                "test_accuracy"
            ].mean()
            tost = equivalence(per_fold, "keras", "torch", margin, by="backend", on=fold)
        else:
            tost = equivalence(runs, "keras", "torch", margin, by="backend", on=keys)
        ids = paired_values(runs, "keras", "torch", by="backend", on=keys, value="run_id")
        keras, torch = ([load_result(i) for i in ids[side]] for side in ("a", "b"))
        per_sentence = mcnemar(
            np.concatenate([r.test_predictions for r in keras]),
            np.concatenate([r.test_predictions for r in torch]),
            np.concatenate([r.test_labels for r in keras]),
        )
        rows[mode] = {
            "pairs": tost.n_pairs,  # runs per mode; folds over all modes
            "difference": tost.mean_difference,
            "ci90_low": tost.ci90_low,
            "ci90_high": tost.ci90_high,
            "margin": margin,
            "tost_p": tost.p_value,
            "equivalent": tost.equivalent,
            "power": tost.power,
            "same_prediction": per_sentence["agreement"],
            "test_sentences": math.nan if pooled else per_sentence["n"],
            "only_keras_right": math.nan if pooled else per_sentence["b"],
            "only_torch_right": math.nan if pooled else per_sentence["c"],
            "mcnemar_p": math.nan if pooled else per_sentence["p_value"],
            "sentence_difference": (
                math.nan if pooled else per_sentence["accuracy_a"] - per_sentence["accuracy_b"]
            ),
            "sentence_ci95": math.nan if pooled else per_sentence["difference_ci95"],
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


def epoch_cap(p: Profile, dataset: str = "rt-polarity") -> dict[str, list[RunConfig]]:
    """Question 1's control: does the epoch cap hold ``rand`` back? Kim's ``rand`` on the
    headline folds with the profile's cap and with 5/3 of it (25 in the full profile; the same
    patience), by cap name (run them with :func:`w2vcnn.grids.run_groups`)."""
    common = dict(profile=p, dataset=dataset, arch="cnn", backend="torch", mode="rand")
    return {
        "profile's cap": grid(**common),
        "higher cap": grid(max_epochs=p.max_epochs * 5 // 3, **common),
    }


EPOCH_CAP_CONTRASTS = {"higher_cap_vs_profile_cap": ("higher cap", "profile's cap")}  # by="cap"


def wide_convolution(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 1's control: Kim's padding (``padding="wide"``: every word meets every filter
    position) against ours, for ``rand`` and ``non-static`` on the headline folds."""
    return grid(
        profile=p,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        mode=["rand", "non-static"],
        padding=["narrow", "wide"],
        **pretrained(p),
    )


PADDING_CONTRASTS = {  # by=("mode", "padding"): Kim's wide convolution minus our narrow one
    "rand": (("rand", "wide"), ("rand", "narrow")),
    "non_static": (("non-static", "wide"), ("non-static", "narrow")),
}


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
        **pretrained(p),
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
CBOW_ALPHA = 0.05  # word2vec.c's default initial learning rate for CBOW (gensim: 0.025 for both)


def cbow_alpha(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 3's control: CBOW vectors trained at word2vec.c's own CBOW learning rate
    (:data:`CBOW_ALPHA`), frozen and fine-tuned, on the headline folds of ``dataset``, to pair
    with :func:`initialisers`' runs there."""
    return grid(
        profile=p,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        mode=["static", "non-static"],
        init="cbow",
        word2vec_alpha=CBOW_ALPHA,
    )


# by=("mode", "init", "word2vec_alpha") on initialisers + cbow_alpha (exploratory): skip-gram
# minus CBOW at its own learning rate, and that rate minus gensim's
_GENSIM_ALPHA = RunConfig.word2vec_alpha
ALPHA_CONTRASTS = {
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
}


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


def corpus_sizes(p: Profile, dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 3: skip-gram vectors from each of :data:`CORPORA` (:func:`matched_corpus`),
    frozen and fine-tuned, and ``rand`` on the same folds (their difference from it is the
    curve)."""
    common = dict(profile=p, folds=p.secondary_folds, dataset=dataset, arch="cnn", backend="torch")
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


def corpus_name(corpus: str) -> str:
    """The :data:`CORPORA` name of a grid row's ``corpus`` column (``"train+unlabeled"`` ->
    ``"in_domain"``; a source listed more than once, as :func:`matched_corpus` does, counts
    once)."""
    names = {"+".join(sources): name for name, sources in CORPORA.items()}
    return names["+".join(dict.fromkeys(corpus.split("+")))]


CORPUS_CONTRASTS = {  # by=("mode", "corpus"): with the Brown corpus minus in-domain text only
    mode: ((mode, "+".join(WITH_BROWN)), (mode, "+".join(IN_DOMAIN)))
    for mode in ("static", "non-static")
}
CURVE_MODES = {"static": "static", "non_static": "non-static"}  # field prefix: mode


def corpus_curve(p: Profile, runs, dataset: str = "rt-polarity"):
    """Per corpus of :data:`CORPORA` (``runs``: the :func:`corpus_sizes` grid), indexed by its
    name, in numbers: ``tokens`` (of distinct text) and ``vocabulary``, ``word2vec_epochs`` and
    ``in_domain_passes``, the share of the training vocabulary's types and tokens it has a vector
    for (``types_covered``, ``tokens_covered``), the vectors' intrinsic scores (the first fold's
    vectors: ``wordsim``, ``simlex``, ``analogies``) with the share of benchmark items they
    cannot answer (``..._oov``), ``cos_good_bad``, and per mode of :data:`CURVE_MODES`
    (``static_...``, ``non_static_...``) the accuracy minus ``rand`` paired by fold:
    ``difference``, ``ci95``, ``p`` and ``verdict`` (fractions, like every accuracy)."""
    import numpy as np
    import pandas as pd

    from . import intrinsic
    from .experiments import dataset_of, load_result, word2vec_vectors
    from .stats import compare, verdict

    rows = {}
    with_vectors = runs[runs["mode"] != "rand"].assign(
        corpus_name=lambda f: f["corpus"].map(corpus_name)
    )
    for name, sources in CORPORA.items():
        of_corpus = with_vectors[with_vectors["corpus_name"] == name]
        config = RunConfig.for_profile(
            p,
            dataset=dataset,
            init="skipgram",
            mode="static",
            fold=p.secondary_folds[0],
            corpus=matched_corpus(p, sources),
            word2vec_epochs=word2vec_epochs_for(p, sources),
        )
        kv, meta = word2vec_vectors(dataset_of(config), config)
        scores = intrinsic.evaluate(kv).set_index("benchmark")
        coverage = [load_result(i).coverage for i in of_corpus["run_id"]]
        repeats = in_domain_repeats(p, sources)
        in_domain_tokens = rows["in_domain"]["tokens"] if repeats > 1 else 0
        row = {
            "tokens": meta["corpus_tokens"] - (repeats - 1) * in_domain_tokens,  # distinct text
            "word2vec_epochs": meta["epochs"],
            "in_domain_passes": repeats * meta["epochs"] if set(sources) & set(IN_DOMAIN) else 0,
            "vocabulary": meta["vocabulary"],
            "types_covered": np.mean([c["type_coverage"] for c in coverage]),
            "tokens_covered": np.mean([c["token_coverage"] for c in coverage]),
            "wordsim": scores.loc["WordSim353", "score"],
            "wordsim_oov": scores.loc["WordSim353", "oov_ratio"],
            "simlex": scores.loc["SimLex-999", "score"],
            "analogies": scores.loc["Google analogies", "score"],
            "analogies_oov": scores.loc["Google analogies", "oov_ratio"],
            "cos_good_bad": (
                float(kv.similarity("good", "bad"))
                if {"good", "bad"} <= set(kv.key_to_index)
                else float("nan")
            ),
        }
        for field, mode in CURVE_MODES.items():
            both = pd.concat([of_corpus[of_corpus["mode"] == mode], runs[runs["mode"] == "rand"]])
            c = compare(both, mode, "rand", by="mode")
            row[f"{field}_difference"] = c.mean_difference
            row[f"{field}_ci95"] = c.ci95
            row[f"{field}_p"] = c.p_value
            row[f"{field}_verdict"] = verdict(c.mean_difference, c.p_value)
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("corpus")


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


def drift_over_folds(runs):
    """Every :class:`w2vcnn.drift.RunDrift` and :class:`w2vcnn.drift.SwapBack` fact of the
    fine-tuning ``runs`` (grid rows), per dataset and corpus of the vectors (a :data:`CORPORA`
    name): one row per ``(dataset, corpus, fact)`` with ``runs``, ``mean`` and ``ci95`` (95% t
    interval over the runs; accuracies as fractions). ``.attrs["angle by decile"]`` holds, per
    ``(dataset, corpus)``, :func:`w2vcnn.drift.angle_by_decile` averaged over its runs."""
    import dataclasses

    import pandas as pd

    from .drift import angle_by_decile, run_drift, swap_back, word_drift
    from .experiments import load_result
    from .stats import mean_ci

    rows, deciles = [], {}
    named = runs.assign(corpus_name=runs["corpus"].map(corpus_name))
    for (dataset, corpus), group in named.groupby(["dataset", "corpus_name"], sort=False):
        facts, angles = [], []
        for run_id in group["run_id"]:
            result = load_result(run_id)
            table = word_drift(result)
            drift, lost = run_drift(result, table=table), swap_back(result)
            facts.append({**dataclasses.asdict(drift), **dataclasses.asdict(lost)})
            angles.append(angle_by_decile(table))
        for fact, values in pd.DataFrame(facts).items():
            mean, half = mean_ci(values.dropna())
            rows.append(
                {
                    "dataset": dataset,
                    "corpus": corpus,
                    "fact": fact,
                    "runs": len(values),
                    "mean": mean,
                    "ci95": half,
                }
            )
        deciles[(dataset, corpus)] = pd.concat(angles).groupby(level=0).mean()
    summary = pd.DataFrame(rows).set_index(["dataset", "corpus", "fact"])
    summary.attrs["angle by decile"] = deciles
    return summary


# Test sentences by the share of their tokens that no training sentence of the fold has
# (question 2: what fine-tuned pretrained vectors give a word the labelled data lacks)
# (tables.UNSEEN_LABELS names them for the page)
UNSEEN_BINS = {"none": (0.0, 0.0), "up_to_10": (0.0, 0.1), "over_10": (0.1, 1.0)}
UNSEEN_CONTRAST = ("non-static", "rand")  # by="mode"


def unseen_share(dataset) -> np.ndarray:
    """For each test sentence of ``dataset`` (a :class:`~w2vcnn.data.Dataset`), the share of its
    tokens that appear in no training sentence (0 for a sentence without tokens)."""
    from .text import tokenize

    seen = {t for i in dataset.train for t in tokenize(dataset.texts[i])}
    shares = []
    for i in dataset.test:
        tokens = tokenize(dataset.texts[i])
        shares.append(sum(t not in seen for t in tokens) / len(tokens) if tokens else 0.0)
    return np.array(shares)


def accuracy_by_unseen(runs):
    """Each run of ``runs`` (a grid of neural runs on full training splits) scored on each bin of
    :data:`UNSEEN_BINS`: one row per run and bin, with the run's pairing columns, ``mode``,
    ``bin``, ``sentences`` and ``test_accuracy`` on that bin's sentences, so the bins compare like
    any grid (:func:`unseen_differences`)."""
    import pandas as pd

    from .data import dataset_of
    from .experiments import load_result
    from .stats import PAIR_KEYS

    shares, rows = {}, []
    for _, run in runs.iterrows():
        result = load_result(run["run_id"])
        if result.config.train_fraction != 1.0:
            raise ValueError("accuracy_by_unseen needs runs on the whole training split")
        split = (result.config.dataset, result.config.split, result.config.fold, result.config.seed)
        if split not in shares:
            shares[split] = unseen_share(dataset_of(result.config))
        right = np.asarray(result.test_predictions) == np.asarray(result.test_labels)
        for name, (low, high) in UNSEEN_BINS.items():
            inside = (
                (shares[split] == 0)
                if high == 0
                else (shares[split] > low) & (shares[split] <= high)
            )
            rows.append(
                {
                    **{k: run[k] for k in PAIR_KEYS if k in run.index},
                    "mode": run["mode"],
                    "bin": name,
                    "sentences": int(inside.sum()),
                    "test_accuracy": float(right[inside].mean()) if inside.any() else np.nan,
                }
            )
    return pd.DataFrame(rows)


def unseen_differences(by_unseen, contrast=UNSEEN_CONTRAST):
    """Per dataset and bin of :func:`accuracy_by_unseen` (indexed ``(dataset, bin)``), ``a - b``
    of ``contrast`` paired by fold, and per dataset whether that gain differs between the
    sentences with the most unseen words and those with none (``(dataset, "over_10_vs_none")``,
    the gains' difference paired by fold): ``sentences`` (per fold, in the bin), the numbers of
    :func:`w2vcnn.stats.numbers` (fractions) and each row's :func:`~w2vcnn.stats.verdict`
    (unadjusted p: exploratory)."""
    import pandas as pd

    from .stats import PAIR_KEYS, compare, numbers, verdict

    a, b = contrast
    rows = []
    for dataset, runs in by_unseen.groupby("dataset", sort=False):
        for name in UNSEEN_BINS:
            in_bin = runs[runs["bin"] == name]
            c = compare(in_bin, a, b, by="mode")
            sentences = in_bin.groupby("mode")["sentences"].mean().iloc[0]
            rows.append({"dataset": dataset, "bin": name, "sentences": sentences, **numbers(c)})
        keys = [k for k in PAIR_KEYS if k in runs.columns]
        # dropna=False: keep the rows whose max_examples is None (the full profile's)
        wide = runs.pivot_table(
            index=[*keys, "bin"], columns="mode", values="test_accuracy", dropna=False
        )
        gains = (wide[a] - wide[b]).rename("test_accuracy").reset_index()
        c = compare(gains, "over_10", "none", by="bin")
        rows.append(
            {"dataset": dataset, "bin": "over_10_vs_none", "sentences": np.nan, **numbers(c)}
        )
    table = pd.DataFrame(rows).set_index(["dataset", "bin"])
    table["verdict"] = [verdict(d, p) for d, p in zip(table["difference"], table["p"])]
    return table


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


TRAIN_FRACTIONS = (0.05, 0.1, 0.25, 0.5, 1.0)


def labelled_sizes(p: Profile, datasets=DATASETS) -> list[RunConfig]:
    """Beyond: the CNN (random, frozen and fine-tuned pretrained vectors) and TF-IDF trained on
    each of :data:`TRAIN_FRACTIONS` of every training fold, with the same vectors (word2vec reads
    the whole fold's text, unlabeled) and the same dev and test sentences."""
    common = dict(profile=p, folds=p.secondary_folds, dataset=list(datasets))
    fractions = list(TRAIN_FRACTIONS)
    neural = grid(
        arch="cnn",
        backend="torch",
        mode=["rand", "static", "non-static"],
        train_fraction=fractions,
        **pretrained(p),
        **common,
    )
    return neural + grid(arch="tfidf", train_fraction=fractions, **common)


def with_model(sweep):
    """:func:`labelled_sizes`' runs with a ``model`` column: the CNN's mode, or ``"TF-IDF"``."""
    return sweep.assign(model=sweep["mode"].where(sweep["arch"] == "cnn", "TF-IDF"))


SWEEP_CONTRASTS = {  # by="model" on labelled_sizes' runs (model: the CNN's mode, or "TF-IDF")
    "static_vs_rand": ("static", "rand"),
    "non_static_vs_rand": ("non-static", "rand"),
    "non_static_vs_tfidf": ("non-static", "TF-IDF"),
}


def sweep_differences(sweep):
    """Per dataset, share of the training split and contrast of :data:`SWEEP_CONTRASTS`
    (indexed ``(dataset, train_fraction, contrast)``), ``a - b`` paired by fold, from
    :func:`with_model`'s frame: the numbers of :func:`w2vcnn.stats.numbers` (fractions;
    Nadeau-Bengio's correction with each share's own test-to-training ratio, see
    :func:`w2vcnn.stats.compare`) and the unadjusted :func:`~w2vcnn.stats.verdict`."""
    import pandas as pd

    from .stats import compare, numbers, verdict

    rows = []
    for (dataset, fraction), runs in sweep.groupby(["dataset", "train_fraction"], sort=True):
        for name, (a, b) in SWEEP_CONTRASTS.items():
            c = compare(runs, a, b, by="model")
            rows.append(
                {
                    "dataset": dataset,
                    "train_fraction": fraction,
                    "contrast": name,
                    **numbers(c),
                    "verdict": verdict(c.mean_difference, c.p_value),
                }
            )
    return pd.DataFrame(rows).set_index(["dataset", "train_fraction", "contrast"])


def sweep_trend(sweep):
    """Per dataset and pretrained mode of :func:`with_model`'s frame (indexed ``(dataset,
    contrast)``, the :data:`SWEEP_CONTRASTS` name of the mode against ``rand``), whether its
    gain over ``rand`` at the smallest share of the training split differs from its gain on the
    whole split, paired by fold: the numbers of :func:`w2vcnn.stats.numbers` (fractions) and the
    :func:`~w2vcnn.stats.verdict` (unadjusted p: exploratory; the error taken at the smallest
    share's ratio, see :func:`~w2vcnn.stats.compare`). "higher": the head start is larger with
    fewer labels."""
    import pandas as pd

    from .stats import PAIR_KEYS, compare, numbers, verdict

    fewest, whole = min(sweep["train_fraction"]), max(sweep["train_fraction"])
    ends = sweep[sweep["train_fraction"].isin([fewest, whole])]
    keys = [k for k in PAIR_KEYS if k in ends.columns]
    rows = []
    for dataset in pd.unique(ends["dataset"]):
        for name, (mode, baseline) in SWEEP_CONTRASTS.items():
            if baseline != "rand":
                continue
            runs = ends[(ends["dataset"] == dataset) & ends["model"].isin([mode, "rand"])]
            wide = runs.pivot_table(  # dropna=False: keep max_examples None
                index=[*keys, "train_fraction"],
                columns="model",
                values="test_accuracy",
                dropna=False,
            )
            gains = (wide[mode] - wide["rand"]).rename("test_accuracy").reset_index()
            c = compare(gains, fewest, whole, by="train_fraction")
            rows.append(
                {
                    "dataset": dataset,
                    "contrast": name,
                    **numbers(c),
                    "comparison": f"{mode} − rand: {fewest:.0%} − {whole:.0%}",
                    "verdict": verdict(c.mean_difference, c.p_value),
                }
            )
    return pd.DataFrame(rows).set_index(["dataset", "contrast"])


def transfer_schedules(p: Profile, dataset: str = "rt-polarity") -> dict[str, list[RunConfig]]:
    """Beyond: frozen, fine-tuned, frozen-then-unfrozen, fine-tuned with a 10x smaller or larger
    embedding step, and fine-tuned with the pretrained rows frozen (only the words without a
    pretrained vector learn), by schedule name (run them with :func:`w2vcnn.grids.run_groups`)."""
    common = dict(
        profile=p,
        folds=p.secondary_folds,
        dataset=dataset,
        arch="cnn",
        backend="torch",
        **pretrained(p),
    )
    return {
        "frozen": grid(mode="static", **common),
        "fine-tuned": grid(mode="non-static", **common),
        "frozen, then unfrozen": grid(mode="static", unfreeze_epoch=4, **common),
        "gentle fine-tuning": grid(mode="non-static", embedding_lr_scale=0.1, **common),
        "eager fine-tuning": grid(mode="non-static", embedding_lr_scale=10.0, **common),
        "pretrained rows frozen": grid(mode="non-static", frozen_rows="pretrained", **common),
        # Kim's rand with the same 10x step: does the eager step help any embedding, or the
        # pretrained one?
        "random rows, eager": grid(mode="rand", embedding_lr_scale=10.0, **common),
    }


SCHEDULE_CONTRASTS = {  # by="schedule", exploratory: each schedule minus frozen vectors, and
    # fine-tuning the pretrained rows too minus learning only the words that have none
    "fine_tuned": ("fine-tuned", "frozen"),
    "frozen_then_unfrozen": ("frozen, then unfrozen", "frozen"),
    "gentle_fine_tuning": ("gentle fine-tuning", "frozen"),
    "eager_fine_tuning": ("eager fine-tuning", "frozen"),
    "pretrained_rows_frozen": ("pretrained rows frozen", "frozen"),
    "fine_tuned_vs_pretrained_rows_frozen": ("fine-tuned", "pretrained rows frozen"),
    "eager_fine_tuning_vs_random_rows_eager": ("eager fine-tuning", "random rows, eager"),
}


def recipe(
    p: Profile, dataset: str = "rt-polarity"
) -> dict[str, tuple[list[RunConfig], list[RunConfig]]]:
    """Beyond: each step of the book's recipe as two sets of runs, ``(a, b)``, compared paired on
    the folds both have (every fold where both are headline grids, else the secondary folds)."""
    best = dict(
        profile=p, dataset=dataset, arch="cnn", backend="torch", mode="non-static", **pretrained(p)
    )
    tuned = grid(**best)
    secondary = dict(best, folds=p.secondary_folds)
    ours = dict(best, init="skipgram", vector_size=p.vector_size)  # question 3 compares ours
    return {
        "pretrained vectors vs random init": (tuned, grid(**{**best, "mode": "rand"})),
        "fine-tuned vs frozen": (tuned, grid(**{**best, "mode": "static"})),
        "CNN vs TF-IDF + logistic regression": (
            tuned,
            grid(profile=p, dataset=dataset, arch="tfidf"),
        ),
        "CNN vs supervised CBOW classifier": (tuned, grid(**{**secondary, "arch": "cbow"})),
        "skip-gram vs CBOW vectors": (grid(**ours), grid(**{**ours, "init": "cbow"})),
        "+ Brown corpus vs in-domain text only": (
            grid(**ours, folds=p.secondary_folds, corpus=WITH_BROWN),
            grid(**ours, folds=p.secondary_folds),
        ),
    }


def recipe_evidence(p: Profile, dataset: str = "rt-polarity"):
    """The paired difference behind each step of :func:`recipe` (numbered rows): its sides'
    labels and the numbers of :func:`w2vcnn.stats.numbers` (fractions), with the unadjusted
    :func:`~w2vcnn.stats.verdict`."""
    import pandas as pd

    from .stats import compare, numbers, verdict

    rows = []
    for step, (a, b) in recipe(p, dataset).items():
        runs = run_groups({"a": a, "b": b}, column="side", progress=False)
        c = compare(runs, "a", "b", by="side")
        rows.append(
            {
                "step": step,
                "a": variant(a[0]),
                "b": variant(b[0]),
                **numbers(c),
                "verdict": verdict(c.mean_difference, c.p_value),
            }
        )
    return pd.DataFrame(rows, index=range(1, len(rows) + 1))


# ---------------------------------------------------------------- every chapter


def chapter_grids(p: Profile) -> dict[str, list[RunConfig]]:
    """The runs each chapter asks for, by chapter."""
    schedules = [c for configs in transfer_schedules(p).values() for c in configs]
    return {
        "Q1 embedding layer": (
            headline(p)
            + replicates(p)
            + backends(p)
            + [c for cs in epoch_cap(p).values() for c in cs]
            + wide_convolution(p)
        ),
        "Q2 vec.bin": embedding_modes(p) + classifiers(p) + corpus_sizes(p),
        "Q3 skip-gram and CBOW": (
            initialisers(p)
            + cbow_alpha(p)
            + classifiers(p)
            + corpus_sizes(p)
            + word2vec_epochs(p)
            + embedding_modes(p)
        ),
        "Beyond": (
            tfidf(p)
            + labelled_sizes(p)
            + embedding_modes(p)
            + schedules
            + [c for a, b in recipe(p).values() for c in a + b]
        ),
        # the introduction quotes runs of the chapters above; listed so that a page's runs have
        # one definition here
        "Introduction": embedding_modes(p) + tfidf(p) + labelled_sizes(p) + corpus_sizes(p),
    }
