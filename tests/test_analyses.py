"""w2vcnn.analyses: what the chapters compute over the study's runs, in numbers."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from conftest import grid_frame, result_fields
from w2vcnn import analyses, profile, study
from w2vcnn.stats import Contrasts, equivalence, paired_table, paired_values
from w2vcnn.tables import contrast_table, points_range, seed_stability_table, seed_variance_table


def test_seed_variance_and_stability_separate_folds_from_seeds():
    p = profile.named("quick")
    configs = [
        c
        for c in study.replicates(dataclasses.replace(p, secondary_folds=(0, 1, 2), replicates=3))
        if c.dataset == "rt-polarity"
    ]
    frame = grid_frame(configs)
    fold_effect = {0: 0.0, 1: 0.04, 2: 0.08}
    seed_noise = {0: -0.01, 1: 0.0, 2: 0.01}
    gain = {"rand": 0.0, "rand-scaled": 0.0, "static": 0.02, "non-static": 0.05}
    frame["test_accuracy"] = [
        0.7 + fold_effect[f] + gain[m] + (seed_noise[r] if m == "non-static" else 0.0)
        for f, m, r in zip(frame["fold"], frame["mode"], frame["replicate"])
    ]
    variance = analyses.seed_variance(frame).loc["rt-polarity"]
    assert variance.loc["rand", "sd_between_seeds"] == pytest.approx(0.0, abs=1e-9)
    assert variance.loc["non-static", "sd_between_seeds"] == pytest.approx(0.01)
    assert variance.loc["rand", "sd_between_folds"] == pytest.approx(0.04)
    stability = analyses.seed_stability(frame)
    row = stability.loc[("rt-polarity", "non_static_vs_rand")]
    each = stability.attrs["by replicate"].loc[("rt-polarity", "non_static_vs_rand")]
    assert list(each["difference"]) == pytest.approx([0.04, 0.05, 0.06])
    assert row["sd_between_folds"] == pytest.approx(0.0, abs=1e-9)  # the gain is the same on
    assert row["sd_between_seeds"] == pytest.approx(0.01)  # every fold; only the seed moves it
    assert row["same_sign"] and "same_verdict" not in stability.columns  # no df-2 tests
    # 95% intervals: between seeds, chi-square on 3 x 2 degrees of freedom around 1 point
    low, high = row["sd_between_seeds_low"], row["sd_between_seeds_high"]
    assert low < 0.01 < high and high / low == pytest.approx(
        (chi2.ppf(0.975, 6) / chi2.ppf(0.025, 6)) ** 0.5
    )
    shown = seed_stability_table(stability).loc[("rt-polarity", "non_static_vs_rand")]
    assert [shown[f"replicate {r}: a − b (points)"] for r in range(3)] == pytest.approx([4, 5, 6])
    assert shown["SD between seeds (points, 95% CI)"] == f"1.0 ({100 * low:.1f}–{100 * high:.1f})"
    between = seed_variance_table(analyses.seed_variance(frame)).loc[
        ("rt-polarity", "rand"), "SD between folds (points, 95% CI)"
    ]
    assert between.startswith("4.0 (")
    one_fold = seed_variance_table(analyses.seed_variance(frame[frame["fold"] == 0]))
    assert set(one_fold["SD between folds (points, 95% CI)"]) == {"—"}  # not "nan (nan–nan)"
    assert not study.SEED_CONTRASTS.family and dict(study.SEED_CONTRASTS) == dict(
        study.MODE_CONTRASTS
    )
    summary = analyses.seed_summary(analyses.seed_variance(frame), stability)
    assert points_range(*summary.seed_sd) == "0.0 to 1.0"  # rand has no seed noise here


def test_on_a_given_split_the_seed_stands_where_the_fold_would():
    # three seeds (the folds' stand-ins) x two replicates, every run on the same test sentences
    rows = [
        {
            "dataset": "trec",
            "split": "given",
            "fold": 0,
            "seed": s,
            "replicate": r,
            "mode": m,
            "test_accuracy": 0.8 + (0.02 if m == "non-static" else 0.0) + 0.01 * r,
        }
        for s in (0, 1, 2)
        for r in (0, 1)
        for m in ("rand", "non-static")
    ]
    frame = pd.DataFrame(rows)
    variance = analyses.seed_variance(frame, modes=("rand",)).loc[("trec", "rand")]
    assert variance["folds"] == 3 and variance["replicates"] == 2  # seeds, not the one fold 0
    assert variance["sd_between_folds"] == pytest.approx(0.0, abs=1e-9)
    assert variance["sd_between_seeds"] == pytest.approx(0.01 / math.sqrt(2))
    contrasts = Contrasts("mode", {"non_static_vs_rand": ("non-static", "rand")})
    stability = analyses.seed_stability(frame, contrasts).loc[("trec", "non_static_vs_rand")]
    assert stability["same_sign"] and stability["sd_between_seeds"] == pytest.approx(0.0, abs=1e-9)


def test_against_kim_subtracts_table_2():
    ours = pd.DataFrame(
        {
            "dataset": ["rt-polarity", "rt-subjectivity"],
            "mode": ["static", "rand"],
            "mean": [0.75, 0.9],
        }
    )
    table = analyses.against_kim(ours, study.kim(profile.named("full")))
    assert table.loc[("rt-polarity", "static"), "kim"] == 81.0
    assert table.loc[("rt-polarity", "static"), "kim_dataset"] == "MR"
    assert table.loc[("rt-polarity", "static"), "difference"] == pytest.approx(-6.0)
    assert table.loc[("rt-subjectivity", "rand"), "difference"] == pytest.approx(0.4)
    # a dataset that is none of Kim's has no row
    assert analyses.against_kim(ours, {"rt-polarity": "MR"}).index.tolist() == [
        ("rt-polarity", "static")
    ]


def test_the_best_cnn_is_chosen_on_each_folds_own_dev_set_never_on_test():
    configs = study.embedding_modes(profile.named("full"), datasets=["rt-polarity"])
    frame = grid_frame(configs)
    # non-static best on dev, multichannel best on test: the choice must follow dev
    frame["dev_accuracy"] = frame["mode"].map({"non-static": 0.8}).fillna(0.7)
    frame["test_accuracy"] = frame["mode"].map({"multichannel": 0.9}).fillna(0.6)
    # on fold 3 static is best on its own dev set, though non-static is best on the mean over
    # folds: the choice there must be static
    frame.loc[(frame["fold"] == 3) & (frame["mode"] == "static"), "dev_accuracy"] = 0.95
    best = analyses.best_on_dev(frame)
    assert best.index.names == ["dataset", "fold", "seed"] and len(best) == 10
    assert best.xs(3, level="fold").tolist() == ["static"]
    assert set(best.drop(3, level="fold")) == {"non-static"}
    # a dataset that keeps its given split: one choice per seed (fold is 0 for all of them)
    given = frame.assign(dataset="trec", seed=frame["fold"], fold=0)
    per_seed = analyses.best_on_dev(pd.concat([frame, given]))
    assert len(per_seed) == 20 and per_seed.loc["trec"].xs(3, level="seed").tolist() == ["static"]
    assert analyses.choices_in_words(per_seed)["trec"] == "non-static on 9 of 10 seeds, static on 1"
    words = analyses.choices_in_words(best)
    assert words == {"rt-polarity": "non-static on 9 of 10 folds, static on 1"}
    tfidf = grid_frame(study.tfidf(profile.named("full"), datasets=["rt-polarity"]))
    contest = analyses.against_tfidf(frame, tfidf)
    chosen = contest[contest["model"] == "best_cnn"]
    assert len(chosen) == 10 and list(chosen.loc[chosen["fold"] == 3, "mode"]) == ["static"]
    pairs = paired_values(contest, *study.TFIDF_CONTRASTS["best_cnn_vs_tfidf"], by="model")
    assert sorted(pairs["fold"]) == list(range(10))


def test_backend_agreement_tests_sentences_per_mode_and_folds_over_all_modes(monkeypatch):
    import numpy as np

    from w2vcnn import experiments

    configs = study.backends(profile.named("full"))
    frame = grid_frame(configs)
    labels = np.array([0, 1] * 50)
    results, right = {}, {}
    for i, config in enumerate(configs):
        predictions = labels.copy()
        # every run misses its own sentences: pairing the wrong runs would change the counts
        misses = range(i, i + 1 + i % 3) if config.backend == "keras" else [60 + i]
        predictions[list(misses)] ^= 1
        right[(config.mode, config.fold, config.backend)] = predictions == labels
        results[config.key] = experiments.RunResult(
            **{**result_fields(config), "test_predictions": predictions, "test_labels": labels}
        )
        frame.loc[frame["run_id"] == config.key, "test_accuracy"] = (predictions == labels).mean()
    monkeypatch.setattr(experiments, "load_result", results.__getitem__)
    table = analyses.backend_agreement(frame)
    assert list(table.index) == ["rand", "static", "non-static", "all modes"]
    for mode in ("rand", "static", "non-static"):  # per mode: every paired run's sentences
        row = table.loc[mode]
        assert row["pairs"] == 3 and row["test_sentences"] == 300
        pairs = [f for (m, f, b) in right if b == "keras" and m == mode]
        only_keras = sum(
            int((right[mode, f, "keras"] & ~right[mode, f, "torch"]).sum()) for f in pairs
        )
        only_torch = sum(
            int((~right[mode, f, "keras"] & right[mode, f, "torch"]).sum()) for f in pairs
        )
        assert (row["only_keras_right"], row["only_torch_right"]) == (only_keras, only_torch)
    # over all modes: one pair per fold (its modes' mean), no per-sentence test
    pooled = table.loc["all modes"]
    assert pooled["pairs"] == 3 and np.isnan(pooled["mcnemar_p"])
    per_fold = frame.groupby(["fold", "backend"])["test_accuracy"].mean().unstack()
    by_fold = pd.DataFrame(
        [{"fold": f, "split": "kfold", "backend": b, "test_accuracy": per_fold.loc[f, b]}
         for f in per_fold.index for b in ("keras", "torch")]
    )  # fmt: skip
    expected = equivalence(by_fold, "keras", "torch", 0.01, by="backend", on=["fold"])
    assert pooled["tost_p"] == pytest.approx(expected.p_value) and pooled["margin"] == 0.01
    assert 0 <= pooled["power"] <= 1
    # 1-3 sentences in 100 apart on every run: not shown within a 1-point margin, within 5
    assert not pooled["equivalent"]
    assert analyses.backend_agreement(frame, margin=0.05).loc["all modes", "equivalent"]


def test_sweep_differences_pairs_each_share_by_fold():
    rows = [
        {
            "dataset": "rt-polarity",
            "model": model,
            "train_fraction": fraction,
            "fold": fold,
            "seed": 0,
            "test_accuracy": base + fraction / 10 + fold / 100,
        }
        for model, base in (
            ("rand", 0.60),
            ("static", 0.62),
            ("non-static", 0.63),
            ("tfidf", 0.65),
        )
        for fraction in (0.1, 1.0)
        for fold in range(3)
    ]
    table = analyses.sweep_differences(pd.DataFrame(rows))
    assert list(table.index) == [
        ("rt-polarity", fraction, name) for fraction in (0.1, 1.0) for name in study.SWEEP_CONTRASTS
    ]
    assert table.loc[("rt-polarity", 0.1, "static_vs_rand"), "difference"] == pytest.approx(0.02)
    row = table.loc[("rt-polarity", 1.0, "non_static_vs_tfidf")]
    assert row["difference"] == pytest.approx(-0.02) and row["ci95"] == pytest.approx(0)
    assert row["verdict"] == "lower"  # the same -2 points on every fold


def _tiny_dataset():
    from w2vcnn.splits import Dataset, Split

    texts = ["good film", "bad film", "good good", "new words here", "good novel", "film"]
    return Dataset(
        name="tiny", texts=texts, labels=np.array([1, 0, 1, 0, 1, 0]),
        label_names=["neg", "pos"], train=np.array([0, 1, 2]), dev=np.array([], dtype=int),
        test=np.array([3, 4, 5]), split=Split.KFOLD, seed=0, fold=0, k=2,
        source="generated",
    )  # fmt: skip


def test_unseen_share_counts_tokens_no_training_sentence_has():
    shares = analyses.unseen_share(_tiny_dataset())
    assert list(shares) == [1.0, 0.5, 0.0]  # "new words here", "good novel", "film"


def test_accuracy_by_unseen_scores_each_run_on_each_bin(monkeypatch):
    from w2vcnn import data, experiments
    from w2vcnn.experiments import RunConfig

    configs = [
        RunConfig(mode=m, init="random" if m == "rand" else "skipgram", fold=f)
        for m in ("rand", "non-static")
        for f in (0, 1, 2)
    ]
    frame = grid_frame(configs)
    # the test sentences: "new words here" (all unseen), "good novel" (half), "film" (none)
    predictions = {"rand": [1, 1, 0], "non-static": [0, 1, 1]}
    results = {
        c.key: experiments.RunResult(
            **{
                **result_fields(c),
                "test_predictions": predictions[c.mode],
                "test_labels": [0, 1, 0],
            }
        )
        for c in configs
    }
    monkeypatch.setattr(experiments, "load_result", results.__getitem__)
    monkeypatch.setattr(data, "dataset_of", lambda config: _tiny_dataset())
    by_unseen = analyses.accuracy_by_unseen(frame)
    assert len(by_unseen) == len(configs) * len(analyses.UNSEEN_BINS)
    cells = by_unseen.set_index(["mode", "fold", "bin"]).sort_index()
    for fold in (0, 1, 2):
        sizes = [cells.loc[("rand", fold, name), "sentences"] for name in analyses.UNSEEN_BINS]
        assert sizes == [1, 0, 2]
        assert cells.loc[("rand", fold, "none"), "test_accuracy"] == 1.0  # "film" right
        assert cells.loc[("rand", fold, "over_10"), "test_accuracy"] == 0.5
        assert cells.loc[("non-static", fold, "none"), "test_accuracy"] == 0.0
        assert cells.loc[("non-static", fold, "over_10"), "test_accuracy"] == 1.0
        assert np.isnan(cells.loc[("rand", fold, "up_to_10"), "test_accuracy"])  # empty bin


def test_unseen_differences_pairs_each_bin_and_the_gains_by_fold():
    rows = []
    for fold in range(5):
        for mode, gain in (("rand", 0.0), ("non-static", 1.0)):
            for name, base in (("none", 0.80), ("up_to_10", 0.75), ("over_10", 0.60)):
                bonus = {"none": 0.01, "up_to_10": 0.02, "over_10": 0.06}[name] * gain
                accuracy = base + bonus + 0.002 * fold * (1 + gain)
                rows.append({"dataset": "rt-polarity", "split": "kfold", "fold": fold, "seed": 0,
                             "max_examples": None, "mode": mode, "bin": name, "sentences": 100,
                             "test_accuracy": accuracy})  # fmt: skip
    table = analyses.unseen_differences(pd.DataFrame(rows))
    names = [name for _, name in table.index]
    assert names == ["none", "up_to_10", "over_10", "over_10_vs_none"]
    assert list(table["difference"].round(4)) == [0.014, 0.024, 0.064, 0.05]
    assert list(table["pairs"]) == [5, 5, 5, 5] and list(table["sentences"][:3]) == [100] * 3
    assert table["verdict"].iloc[-1] == "higher"  # the gain is larger where words are unseen
    shown = contrast_table(table)["test sentences (per fold)"]
    assert list(shown) == ["100", "100", "100", "—"]  # a count, not 100.000


def test_sweep_trend_tests_the_slope_of_the_head_start_over_every_share():
    import math

    rows = []
    for fold in range(5):
        for model, gain in (("rand", 0.0), ("static", 0.5), ("non-static", 1.0), ("tfidf", 0.2)):
            for share in (0.05, 0.1, 0.25, 0.5, 1.0):
                # per tenfold fewer labels, a head start of gain * (2 + 0.2 * fold) points
                head_start = gain * (0.02 + 0.002 * fold) * -math.log10(share)
                accuracy = 0.6 + 0.2 * share + head_start + 0.003 * fold
                rows.append({"dataset": "rt-polarity", "split": "kfold", "fold": fold, "seed": 0,
                             "max_examples": None, "model": model, "train_fraction": share,
                             "test_accuracy": accuracy})  # fmt: skip
    table = analyses.sweep_trend(pd.DataFrame(rows))
    assert list(table.index) == [
        ("rt-polarity", "static_vs_rand"),
        ("rt-polarity", "non_static_vs_rand"),
    ]
    assert list(table["comparison"]) == [
        "static − rand, per tenfold fewer labels",
        "non-static − rand, per tenfold fewer labels",
    ]
    assert list(table["difference"].round(6)) == [0.012, 0.024]  # the mean slope over folds
    assert list(table["pairs"]) == [5, 5] and list(table["verdict"]) == ["higher", "higher"]
    # what the design finds with 80% power grows with the folds' spread of slopes
    assert (table["detectable"] > 0).all() and table["detectable"].is_monotonic_increasing
    # a head start that does not change with the share: every fold's slope is zero
    frame = pd.DataFrame(rows)
    frame["test_accuracy"] = 0.6 + frame["model"].map({"static": 0.01}).fillna(0.0)
    flat = analyses.sweep_trend(frame)
    assert list(flat["difference"]) == [0.0, 0.0]
    assert set(flat["verdict"]) == {"no clear difference"}


def test_recipe_evidence_quotes_the_primary_steps_and_pairs_the_others_on_shared_folds():
    p = profile.named("full")
    groups = study.recipe.groups(p)
    gains = {"fine_tuned": 0.03, "our_skipgram_brown": 0.01}  # over every other side
    frame = pd.concat(
        [
            grid_frame(configs).assign(side=side, test_accuracy=0.7 + gains.get(side, 0.0))
            for side, configs in groups.items()
        ],
        ignore_index=True,
    )
    frame["test_accuracy"] += frame["fold"] / 1000  # equal on both sides of a fold: pairs differ
    headline = grid_frame(study.headline(p))
    step = {"non-static": 0.02, "static": 0.01}
    headline["test_accuracy"] = 0.7 + headline["mode"].map(step).fillna(0.0)
    headline["test_accuracy"] += headline["fold"] / 1000 + headline["fold"] % 2 / 100 * (
        headline["mode"] == "non-static"
    )  # non-static's gain over rand varies by fold, so its test has a p
    headline["dev_accuracy"] = headline["test_accuracy"]
    tfidf = grid_frame(study.tfidf(p))
    tfidf["test_accuracy"] = 0.69
    contest = analyses.against_tfidf(headline[headline["mode"] != "rand-scaled"], tfidf)
    inits = grid_frame(study.initialisers(p))
    inits["test_accuracy"] = (
        0.7
        + inits["fold"] / 1000
        + (inits["init"] == "skipgram") * (0.02 + inits["fold"] % 2 / 100)
    )
    evidence = analyses.recipe_evidence(frame, headline, contest, inits)
    assert list(evidence.index) == [*study.RECIPE_QUOTED, *study.RECIPE_CONTRASTS]
    # quoted from question 1's primary family: its runs, its Holm-adjusted p
    q1 = paired_table(headline, study.MODE_CONTRASTS).loc["rt-polarity"]
    quoted = evidence.loc["pretrained_vs_random"]
    assert quoted["p_holm"] == q1.loc["non_static_vs_rand", "p_holm"]
    assert quoted["difference"] == pytest.approx(0.025) and quoted["pairs"] == len(p.folds)
    assert quoted["a"] == headline.loc[headline["mode"] == "non-static", "variant"].iloc[0]
    assert (
        evidence.loc["cnn_vs_tfidf", "p_holm"]
        == paired_table(contest, study.TFIDF_CONTRASTS).loc[
            ("rt-polarity", "best_cnn_vs_tfidf"), "p_holm"
        ]
    )
    brown = evidence.loc["brown_vs_in_domain"]  # only the secondary folds have Brown's vectors
    assert brown["pairs"] == len(p.secondary_folds) and math.isnan(brown["p_holm"])
    assert brown["difference"] == pytest.approx(0.01) and brown["verdict"] == "higher"
    # quoted from question 3's primary family, Holm over its first dataset's two contrasts
    q3 = paired_table(inits[inits["dataset"] == "rt-polarity"], study.INIT_CONTRASTS)
    skipgram = evidence.loc["skipgram_vs_cbow"]
    assert skipgram["p_holm"] == q3.loc[("rt-polarity", "non-static"), "p_holm"]
    assert skipgram["difference"] == pytest.approx(0.025) and skipgram["pairs"] == len(p.folds)


def test_gains_test_a_difference_of_differences_paired_by_fold():
    rows = []
    for fold in range(10):
        wobble = 0.01 * (fold % 3)
        for mode, kim_gain in (("non-static", 0.02 + wobble), ("rand", 0.005 + wobble)):
            base = 0.7 + 0.01 * fold
            run = {"dataset": "d", "split": "kfold", "fold": fold, "seed": 0, "mode": mode}
            rows.append({**run, "rule": "patience", "test_accuracy": base})
            rows.append({**run, "rule": "kim", "test_accuracy": base + kim_gain})
    frame = pd.DataFrame(rows)
    gained = analyses.gains(frame, "rule", "kim", "patience")
    assert len(gained) == 20 and set(gained["rule"]) == {"patience"}
    by_mode = gained.set_index(["mode", "fold"])["test_accuracy"]
    assert by_mode["non-static", 4] == pytest.approx(0.03)  # 0.02 + 0.01 wobble
    moved = paired_table(gained, Contrasts("mode", {"x": ("non-static", "rand")}, family=False))
    row = moved.loc[("d", "x")]
    # the fold's wobble is in both gains and cancels: 0.015 on every fold, no spread
    assert row["difference"] == pytest.approx(0.015) and row["wins"] == 10
    assert row["verdict"] == "higher"
    with pytest.raises(ValueError, match="no run with rule = 'kim' has a partner"):
        analyses.gains(frame[frame["rule"] == "patience"], "rule", "kim", "patience")
    doubled = pd.concat([frame, frame[frame["rule"] == "kim"]])
    with pytest.raises(ValueError, match="rule = 'kim' has several runs"):
        analyses.gains(doubled, "rule", "kim", "patience")
