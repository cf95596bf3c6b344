"""The analyses the chapters run over the study's runs (:mod:`w2vcnn.study` defines the runs and
the contrasts): scales, seed variance, backend agreement, the corpus curve, drift over folds,
accuracy by unseen words, the labelled-size sweep, the recipe's evidence.

Each returns numbers (accuracies as fractions) and decisions taken on them
(:func:`w2vcnn.stats.verdict`); :mod:`w2vcnn.tables` shows them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .choices import WORD2VEC_KINDS
from .profile import Profile
from .stats import paired_by
from .study import (
    BACKEND_MARGIN,
    CORPORA,
    CURVE_MODES,
    IN_DOMAIN,
    INIT_CONTRASTS,
    KIM_2014,
    MODE_CONTRASTS,
    RECIPE_CONTRASTS,
    RECIPE_QUOTED,
    SEED_CONTRASTS,
    SEED_MODES,
    SWEEP_CONTRASTS,
    TFIDF_CONTRASTS,
    corpus_name,
    curve_contrasts,
    in_domain_repeats,
    matched_corpus,
    one_run,
    word2vec_epochs_for,
)


def random_scales(runs) -> dict[str, float]:
    """Each dataset's a of its ``rand-scaled`` runs' rows (U[-a, a]; the mean over the folds, whose
    vectors each have their own), to print beside Kim's 0.25."""
    from .experiments import load_result

    scaled = runs[runs["mode"] == "rand-scaled"]
    return {
        dataset: float(np.mean([load_result(i).extra["random_scale"] for i in group["run_id"]]))
        for dataset, group in scaled.groupby("dataset", sort=False)
    }


def seed_variance(runs, modes=SEED_MODES):
    """How much of a mode's accuracy is the fold and how much the seed (``runs``: the
    :func:`replicates` grid), per dataset and mode, as fractions like the accuracies
    (:func:`w2vcnn.tables.seed_variance_table` shows points): the standard deviation between the
    folds' means, ``sd_between_folds``, and between the replicates within a fold,
    ``sd_between_seeds`` (one-way random effects: the within-fold variance pooled over folds; the
    between-fold component less its share of it). On a dataset's given split the seed stands
    where the fold would (:mod:`w2vcnn.protocol`): its "folds" are those seeds, every one tested on
    the same sentences."""
    import pandas as pd

    rows = []
    for (dataset, mode), of_mode in runs.groupby(["dataset", "mode"], sort=False):
        if mode in modes:
            by_fold = of_mode.pivot_table(
                index=_unit(of_mode), columns="replicate", values="test_accuracy"
            )
            rows.append({"dataset": dataset, "mode": mode, **_components(by_fold)})
    return pd.DataFrame(rows).set_index(["dataset", "mode"])


def _unit(runs) -> str:
    """What tells a grid's draws apart: the test fold, or the seed on a given split."""
    return "seed" if paired_by(runs) == "seeds" else "fold"


def _components(by_fold) -> dict:
    """Variance components of a folds x replicates table, as standard deviations, each with a 95%
    interval (``_low``, ``_high``). Between seeds: the pooled within-fold variance, chi-square
    with folds x (replicates - 1) degrees of freedom. Between folds: the fold means' variance
    (chi-square, folds - 1 degrees of freedom) less the seeds' share of it, taken as known, so the
    interval is approximate and floored at 0; with three folds it is wide."""
    from scipy.stats import chi2

    folds, replicates = by_fold.shape
    within = float(by_fold.var(axis=1, ddof=1).mean())
    means = float(by_fold.mean(axis=1).var(ddof=1))
    between = max(means - within / replicates, 0.0)
    df_within, df_means = folds * (replicates - 1), folds - 1

    def interval(variance, df, less=0.0):
        bounds = (df * variance / chi2.ppf(q, df) - less for q in (0.975, 0.025))
        return tuple(math.sqrt(max(bound, 0.0)) for bound in bounds)

    seeds_low, seeds_high = interval(within, df_within)
    folds_low, folds_high = interval(means, df_means, less=within / replicates)
    return {
        "folds": folds,
        "replicates": replicates,
        "sd_between_folds": math.sqrt(between),
        "sd_between_folds_low": folds_low,
        "sd_between_folds_high": folds_high,
        "sd_between_seeds": math.sqrt(within),
        "sd_between_seeds_low": seeds_low,
        "sd_between_seeds_high": seeds_high,
    }


def seed_stability(runs, contrasts=SEED_CONTRASTS):
    """How much of each contrast's difference is the seed? Per dataset and contrast (``runs``:
    the :func:`replicates` grid): the variance components of the paired difference with their
    95% intervals (:func:`seed_variance`'s ``sd_between_folds``, ``sd_between_seeds`` and their
    ``_low``, ``_high``), and whether every replicate's difference has the same sign
    (``same_sign``, descriptive: no test on a few folds per replicate is run).
    ``.attrs["by replicate"]`` holds, per ``(dataset, contrast, replicate)``, the mean paired
    difference on the secondary folds for that replicate alone. :func:`w2vcnn.tables.
    seed_stability_table` shows both."""
    import pandas as pd

    from .stats import paired_values

    rows, by_replicate = [], []
    for dataset, of_dataset in runs.groupby("dataset", sort=False):
        for name, (a, b) in contrasts.items():
            differences = {}
            for replicate, runs_r in of_dataset.groupby("replicate"):
                pairs = paired_values(runs_r, a, b, by=contrasts.by).set_index(_unit(runs_r))
                differences[replicate] = pairs["a"] - pairs["b"]
                by_replicate.append(
                    {
                        "dataset": dataset,
                        "contrast": name,
                        "replicate": replicate,
                        "difference": float(differences[replicate].mean()),
                    }
                )
            components = _components(pd.DataFrame(differences))
            signs = {np.sign(d.mean()) for d in differences.values()}
            rows.append(
                {
                    "dataset": dataset,
                    "contrast": name,
                    **{k: v for k, v in components.items() if k.startswith("sd_")},
                    "same_sign": len(signs) == 1,
                }
            )
    table = pd.DataFrame(rows).set_index(["dataset", "contrast"])
    table.attrs["by replicate"] = pd.DataFrame(by_replicate).set_index(
        ["dataset", "contrast", "replicate"]
    )
    return table


class SeedSummary(NamedTuple):
    """What :func:`seed_variance` and :func:`seed_stability` say in brief (SDs as fractions)."""

    contrasts: int
    same_sign: int  # contrasts whose difference has the same sign for every replicate
    seed_sd: tuple[float, float]  # the smallest and largest SD between seeds, over the modes
    fold_sd: tuple[float, float]  # ... and between folds


def seed_summary(variance, stability) -> SeedSummary:
    """The counts and ranges a page states of the seed control."""
    return SeedSummary(
        contrasts=len(stability),
        same_sign=int(stability["same_sign"].sum()),
        seed_sd=(variance["sd_between_seeds"].min(), variance["sd_between_seeds"].max()),
        fold_sd=(variance["sd_between_folds"].min(), variance["sd_between_folds"].max()),
    )


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


def against_kim(aggregated, kim_names: Mapping[str, str]):
    """Our mean per mode beside Kim's Table 2, and the difference, in percent (``aggregated`` by
    dataset and mode, from :func:`w2vcnn.stats.aggregate`), for the datasets ``kim_names`` maps
    to his (:func:`w2vcnn.study.kim`); indexed by our dataset name and mode, with his name in
    ``kim_dataset``. Kim's MR is balanced and rt-polarity is not: aggregate
    ``balanced_accuracy`` for this table."""
    import pandas as pd

    rows = []
    for _, row in aggregated.iterrows():
        name = kim_names.get(row["dataset"])
        kim = None if name is None else KIM_2014[name].get(row["mode"])
        if kim is not None:
            ours = 100 * row["mean"]
            rows.append(
                {
                    "dataset": row["dataset"],
                    "mode": row["mode"],
                    "kim_dataset": name,
                    "ours": ours,
                    "kim": kim,
                    "difference": ours - kim,
                }
            )
    columns = ["dataset", "mode", "kim_dataset", "ours", "kim", "difference"]
    return pd.DataFrame(rows, columns=columns).set_index(["dataset", "mode"])


def corpus_curve(p: Profile, runs, dataset: str | None = None):
    """Per corpus of :data:`CORPORA` (``runs``: the :func:`corpus_sizes` grid), indexed by its
    name, in numbers: ``tokens`` (of distinct text) and ``vocabulary``, ``word2vec_epochs`` and
    ``in_domain_passes``, the share of the training vocabulary's types and tokens it has a vector
    for (``types_covered``, ``tokens_covered``), the vectors' intrinsic scores (the first fold's
    vectors: ``wordsim``, ``simlex``, ``analogies``) with the share of benchmark items they
    cannot answer (``..._oov``), ``cos_good_bad``, and per mode of :data:`CURVE_MODES`
    (``static_...``, ``non_static_...``) the accuracy minus ``rand`` paired by fold
    (:func:`~w2vcnn.study.curve_contrasts`):
    ``difference``, ``ci95``, ``p`` and ``verdict`` (fractions, like every accuracy)."""
    import numpy as np
    import pandas as pd

    from . import intrinsic
    from .experiments import dataset_of, load_result, word2vec_vectors
    from .stats import compare, verdict

    rows, contrasts = {}, curve_contrasts(p)
    with_vectors = runs[runs["mode"] != "rand"].assign(
        corpus_name=lambda f: f["corpus"].map(corpus_name)
    )
    for name, sources in CORPORA.items():
        of_corpus = with_vectors[with_vectors["corpus_name"] == name]
        config = one_run(
            p,
            dataset,
            init="skipgram",
            mode="static",
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
        for field in CURVE_MODES:
            a, b = contrasts[f"{field}_{name}"]
            c = compare(runs, a, b, by=contrasts.by)
            row[f"{field}_difference"] = c.mean_difference
            row[f"{field}_ci95"] = c.ci95
            row[f"{field}_p"] = c.p_value
            row[f"{field}_verdict"] = verdict(c.mean_difference, c.p_value)
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("corpus")


def vectors_by_epochs(p: Profile, epochs, dataset: str | None = None):
    """Skip-gram and CBOW vectors trained for each number of ``epochs`` (cached) on ``dataset``
    (else the profile's first; its first fold): time, spread, quality."""
    import pandas as pd

    from . import intrinsic
    from .experiments import dataset_of, word2vec_vectors

    rows = {}
    for init in WORD2VEC_KINDS:
        for n in epochs:
            config = one_run(p, dataset, init=init, mode="static", word2vec_epochs=n)
            kv, meta = word2vec_vectors(dataset_of(config), config)
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
    interval over the runs; accuracies as fractions); for ``lost``, the swap-back test, also the
    p of a one-sample t-test that the runs lose nothing (each run's own trained and swapped-back
    accuracy, on the same test sentences: a paired test over runs; NaN for the other facts).
    ``.attrs["angle by decile"]`` holds, per ``(dataset, corpus)``,
    :func:`w2vcnn.drift.angle_by_decile` averaged over its runs."""
    import dataclasses

    import pandas as pd
    from scipy.stats import ttest_1samp

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
            # NaN: a fact the runs cannot tell (no "good" in the words, no polarity in 3 classes)
            known = values.dropna()
            mean, half = mean_ci(known) if len(known) else (math.nan, math.nan)
            tested = fact == "lost" and len(known) > 1 and known.std() > 0
            rows.append(
                {
                    "dataset": dataset,
                    "corpus": corpus,
                    "fact": fact,
                    "runs": len(values),
                    "mean": mean,
                    "ci95": half,
                    "p": float(ttest_1samp(known, 0.0).pvalue) if tested else math.nan,
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
    """For each test sentence of ``dataset`` (a :class:`~w2vcnn.splits.Dataset`), the share of its
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


def gains(frame, column: str, a, b, value: str = "test_accuracy"):
    """Per run of side ``b`` of ``column``, its partner's ``value`` on side ``a`` minus its own
    (paired on :data:`~w2vcnn.stats.PAIR_KEYS` and every other column ``b``'s runs differ in, such
    as ``mode``): ``b``'s runs with ``value`` replaced by that gain. Comparing two modes' gains
    with :func:`~w2vcnn.stats.paired_table` tests a difference of differences, e.g. whether Kim's
    stopping rule moves ``non-static − rand``: (non-static's Kim − patience) − (rand's)."""
    from .stats import PAIR_KEYS

    keys = [k for k in (*PAIR_KEYS, "mode", "init") if k in frame.columns and k != column]
    sides = {
        name: frame[frame[column] == side].set_index(keys) for name, side in (("a", a), ("b", b))
    }
    for name, side in sides.items():
        if side.index.duplicated().any():
            raise ValueError(
                f"{column} = {(a, b)[name == 'b']!r} has several runs per "
                f"{', '.join(keys)}: filter the frame first"
            )
    shared = sides["b"].index.intersection(sides["a"].index)
    if shared.empty:
        raise ValueError(f"no run with {column} = {a!r} has a partner with {column} = {b!r}")
    out = sides["b"].loc[shared].copy()
    out[value] = sides["a"].loc[shared, value] - out[value]
    return out.reset_index()


def best_on_dev(frame, by: str = "mode"):
    """Per dataset and fold (or seed, where a dataset keeps its given split), the value of ``by``
    whose run has the highest *dev* accuracy on that fold's own dev set (ties: the first listed),
    as a Series indexed ``(dataset, fold, seed)``. A "best model" chosen on test would be chosen
    on the numbers it is then judged by; one chosen on the mean dev accuracy over all folds would
    be too, in part: every other fold's dev set holds some of this fold's test sentences."""
    draws = ["dataset", "fold", "seed"]  # a fold, or a seed where a dataset keeps its split
    frame = frame.reset_index(drop=True)  # idxmax's labels must name one row each
    best = frame.loc[frame.groupby(draws, sort=False)["dev_accuracy"].idxmax()]
    return best.set_index(draws)[by]


def choices_in_words(best) -> dict[str, str]:
    """What :func:`best_on_dev` chose, per dataset: ``"non-static on 7 of 10 folds,
    multichannel on 3"``."""
    words = {}
    for dataset, chosen in best.groupby(level="dataset", sort=False):
        counts = chosen.value_counts(sort=True)
        folds = chosen.index.get_level_values("fold").nunique()
        unit = "fold" if folds > 1 or len(chosen) == 1 else "seed"
        parts = [
            f"{value} on {n} of {len(chosen)} {unit}s" if i == 0 else f"{value} on {n}"
            for i, (value, n) in enumerate(counts.items())
        ]
        words[dataset] = ", ".join(parts)
    return words


def against_tfidf(cnn, baseline):
    """The CNN mode best on each fold's dev set (:func:`best_on_dev`) and the TF-IDF runs, in one
    frame whose ``model`` column is ``"best_cnn"`` or ``"tfidf"`` (for :data:`TFIDF_CONTRASTS`)."""
    import pandas as pd

    best = best_on_dev(cnn)
    keys = pd.MultiIndex.from_frame(cnn[list(best.index.names)])
    chosen = cnn[cnn["mode"].to_numpy() == best.reindex(keys).to_numpy()]
    return pd.concat([chosen.assign(model="best_cnn"), baseline.assign(model="tfidf")])


def _side_labels(runs, by) -> dict:
    """Each side's runs by their label, where all of a side's runs share one; else by the side's
    own name (the best CNN is another mode on another fold). ``by``: a column, or several (a
    side is then a tuple, as in a :class:`~w2vcnn.stats.Contrasts`)."""
    from .tables import label

    return {
        side: group["variant"].iloc[0] if group["variant"].nunique() == 1 else label(side)
        for side, group in runs.groupby(by if isinstance(by, str) else list(by))
    }


def sweep_differences(sweep):
    """Per dataset, share of the training split and contrast of :data:`SWEEP_CONTRASTS`
    (indexed ``(dataset, train_fraction, contrast)``), ``a - b`` paired by fold, from
    :func:`w2vcnn.study.labelled_sizes`' runs (their ``model``: the CNN's mode, or ``"tfidf"``):
    the numbers of :func:`w2vcnn.stats.numbers` (fractions; Nadeau-Bengio's correction at the
    whole split's test-to-training ratio, see :func:`w2vcnn.stats.compare`) and the unadjusted
    :func:`~w2vcnn.stats.verdict`."""
    import pandas as pd

    from .stats import compare, numbers, verdict

    rows = []
    for (dataset, fraction), runs in sweep.groupby(["dataset", "train_fraction"], sort=True):
        for name, (a, b) in SWEEP_CONTRASTS.items():
            c = compare(runs, a, b, by=SWEEP_CONTRASTS.by)
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
    """Per dataset and pretrained mode of :func:`w2vcnn.study.labelled_sizes`' runs (indexed
    ``(dataset, contrast)``, the :data:`SWEEP_CONTRASTS` name of the mode against ``rand``),
    whether its gain over ``rand`` grows as the labels shrink, over every share of the training
    split at once: per fold, the least-squares slope of the gain against log10 of the share,
    negated (points of head start gained per tenfold fewer labels), then those slopes tested
    against zero over the folds (a paired t-test with Nadeau and Bengio's correction at the whole
    split's ratio, as :func:`w2vcnn.stats.compare` takes it for every share). The numbers of
    :func:`w2vcnn.stats.numbers` (fractions per tenfold), the :func:`~w2vcnn.stats.verdict`
    (unadjusted: exploratory; "higher": a larger head start with fewer labels) and
    ``detectable``: the slope this design finds with 80% power (two-sided, alpha 0.05), from
    its own standard error."""
    import numpy as np
    import pandas as pd
    from scipy import stats as scipy_stats

    from .stats import PAIR_KEYS, compare, numbers, verdict

    keys = [k for k in PAIR_KEYS if k in sweep.columns]
    rows = []
    for dataset in pd.unique(sweep["dataset"]):
        for name, (mode, baseline) in SWEEP_CONTRASTS.items():
            if baseline != "rand":
                continue
            runs = sweep[(sweep["dataset"] == dataset) & sweep["model"].isin([mode, "rand"])]
            wide = runs.pivot_table(  # dropna=False: keep max_examples None
                index=[*keys, "train_fraction"],
                columns="model",
                values="test_accuracy",
                dropna=False,
            )
            gains = (wide[mode] - wide["rand"]).rename("gain").reset_index()
            per_fold = [
                {
                    **dict(zip(keys, fold)),
                    "slope": -np.polyfit(np.log10(group["train_fraction"]), group["gain"], 1)[0],
                }
                for fold, group in gains.dropna(subset=["gain"]).groupby(keys, dropna=False)
                if group["train_fraction"].nunique() >= 2
            ]
            if not per_fold:
                raise ValueError(
                    f"sweep_trend: {dataset} {mode} has no fold with two shares of the training "
                    "split to draw a slope through"
                )
            # rounded: a gain that does not change with the share has slope 0, not 1e-19
            slopes = pd.DataFrame(per_fold).round({"slope": 12})
            sides = pd.concat(  # the slopes against a flat line, as compare pairs runs
                [
                    slopes.assign(side="slope", test_accuracy=slopes["slope"]),
                    slopes.assign(side="flat", test_accuracy=0.0),
                ]
            )
            c = compare(sides, "slope", "flat", by="side")
            df = max(c.n_pairs - 1, 1)
            error = c.ci95 / scipy_stats.t.ppf(0.975, df)
            rows.append(
                {
                    "dataset": dataset,
                    "contrast": name,
                    **numbers(c),
                    "comparison": f"{mode} − rand, per tenfold fewer labels",
                    "verdict": verdict(c.mean_difference, c.p_value),
                    "detectable": (scipy_stats.t.ppf(0.975, df) + scipy_stats.t.ppf(0.8, df))
                    * error,
                }
            )
    return pd.DataFrame(rows).set_index(["dataset", "contrast"])


def recipe_evidence(runs, headline, contest, initialisers):
    """The paired difference behind each step of the book's recipe, on the recipe's dataset, in
    :data:`w2vcnn.tables.RECIPE_STEPS` order: the steps of :data:`RECIPE_QUOTED` quoted from their
    chapters' primary families (question 1's over ``headline``, Beyond's over ``contest``,
    :func:`against_tfidf`, question 3's over ``initialisers`` on its first dataset alone), with the
    Holm-adjusted p those families give; the others
    :data:`RECIPE_CONTRASTS` over :func:`w2vcnn.study.recipe`'s ``runs``, unadjusted (``p_holm``
    NaN). Indexed by the step's contrast name, with the labels of its sides' runs (``a``, ``b``)
    and the numbers of :func:`w2vcnn.stats.numbers` (fractions) and its verdict;
    :func:`w2vcnn.tables.recipe_table` shows it."""
    import pandas as pd

    from .stats import paired_table

    dataset = runs["dataset"].iloc[0]
    rows = {}
    home = initialisers[initialisers["dataset"] == dataset]  # question 3's family: one dataset
    for family, frame in (
        (MODE_CONTRASTS, headline),
        (TFIDF_CONTRASTS, contest),
        (INIT_CONTRASTS, home),
    ):
        table = paired_table(frame, family).loc[dataset]  # Holm over the family's datasets
        labels = _side_labels(frame[frame["dataset"] == dataset], family.by)
        for step, (quoted, contrast) in RECIPE_QUOTED.items():
            if quoted is family:
                a, b = family[contrast]
                rows[step] = {"a": labels[a], "b": labels[b], **table.loc[contrast]}
    exploratory = paired_table(runs, RECIPE_CONTRASTS).droplevel("dataset")
    labels = _side_labels(runs, "side")
    for step, (a, b) in RECIPE_CONTRASTS.items():
        rows[step] = {"a": labels[a], "b": labels[b], **exploratory.loc[step]}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table.reindex([*RECIPE_QUOTED, *RECIPE_CONTRASTS])
    return table.drop(columns=["comparison", "paired_by"], errors="ignore")
