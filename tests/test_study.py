"""The study's definition: the chapters' grids, their named contrasts, Kim's table."""

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors

from w2vcnn import profile, study
from w2vcnn.stats import equivalence, paired_values
from w2vcnn.tables import run_row, variant

PROFILES = [profile.named(name) for name in profile.PROFILES]


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_every_variant_runs_on_the_headline_folds_or_the_secondary_ones(p):
    assert p.split == "kfold" and set(p.secondary_folds) <= set(p.folds)
    headline = {(s, f) for s in p.seeds for f in p.folds}
    secondary = {(s, f) for s in p.seeds for f in p.secondary_folds}
    for chapter, configs in study.chapter_grids(p).items():
        by_variant = {}
        for config in configs:
            assert config.split == "kfold", chapter
            key = (config.dataset, variant(config))
            by_variant.setdefault(key, set()).add((config.seed, config.fold))
        assert all(runs in (headline, secondary) for runs in by_variant.values()), chapter


def test_the_headline_grids_run_on_kims_ten_folds():
    p = profile.named("full")
    assert p.folds == tuple(range(10)) and p.seeds == (0,)
    for configs in (
        study.embedding_modes(p),
        study.tfidf(p),
        [c for c in study.initialisers(p) if c.dataset == "rt-polarity"],
    ):
        for label in {(c.dataset, variant(c)) for c in configs}:
            folds = sorted(c.fold for c in configs if (c.dataset, variant(c)) == label)
            assert folds == list(range(10)), label
    assert sorted({c.fold for c in study.backends(p)}) == list(p.secondary_folds)


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_no_two_different_runs_share_a_label(p):
    # the results chapter aggregates every run by (dataset, variant) over folds: a label shared by
    # two different configs would average runs that are not the same experiment
    configs = set(itertools.chain.from_iterable(study.chapter_grids(p).values()))
    labels = {(c.dataset, variant(c), c.seed, c.fold) for c in configs}
    assert len(labels) == len(configs)


def _frame(configs):
    """A grid's DataFrame as run_grid makes it, with made-up accuracies: for checking selection."""
    from w2vcnn.experiments import RunResult

    rows = [
        run_row(
            RunResult(
                **{
                    **_fields(c),
                    "test_accuracy": 0.5 + 0.01 * i,
                    "dev_accuracy": 0.5,
                    "test_predictions": [0, 1],
                    "test_labels": [0, 1],
                }
            )
        )
        for i, c in enumerate(configs)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize(
    "grid, contrasts, by",
    [
        ("headline", "MODE_CONTRASTS", "mode"),
        ("headline", "MODE_EXPLORATORY", "mode"),
        ("initialisers", "INIT_CONTRASTS", ("mode", "init")),
        ("corpus_sizes", "CORPUS_CONTRASTS", ("mode", "corpus")),
        ("word2vec_epochs", "word2vec_epochs_contrasts", ("init", "word2vec_epochs")),
    ],
)
def test_each_contrast_pairs_one_run_per_fold_on_each_side(p, grid, contrasts, by):
    configs = getattr(study, grid)(p)
    frame = _frame(configs)
    named = getattr(study, contrasts)
    named = named(p) if callable(named) else named
    for name, (a, b) in named.items():
        for dataset, runs in frame.groupby("dataset"):
            pairs = paired_values(runs, a, b, by=by)
            folds = sorted({c.fold for c in configs if c.dataset == dataset})
            assert sorted(pairs["fold"]) == folds, (name, dataset)
            assert (pairs["a"] != pairs["b"]).all()  # two different runs on each fold


def test_rand_scaled_and_the_higher_epoch_cap_pair_with_the_headline_runs():
    p = profile.named("full")
    scaled = study.scaled_rand(p)
    assert {c.mode for c in scaled} == {"rand-scaled"} and {c.init for c in scaled} == {"skipgram"}
    assert {(c.dataset, c.fold) for c in scaled} == {
        (d, f) for d in study.DATASETS for f in p.folds
    }
    caps = study.epoch_cap(p)
    assert {c.key for c in caps["profile's cap"]} <= {c.key for c in study.embedding_modes(p)}
    assert {c.max_epochs for c in caps["higher cap"]} == {25}
    frame = pd.concat(
        [_frame(configs).assign(cap=name) for name, configs in caps.items()], ignore_index=True
    )
    (a, b) = study.EPOCH_CAP_CONTRASTS["higher_cap_vs_profile_cap"]
    assert sorted(paired_values(frame, a, b, by="cap")["fold"]) == list(p.folds)


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_replicates_repeat_the_primary_contrasts_on_the_secondary_folds(p):
    configs = study.replicates(p)
    assert {c.replicate for c in configs} == set(range(p.replicates))
    assert {c.fold for c in configs} == set(p.secondary_folds)
    assert {c.mode for c in configs} == set(study.SEED_MODES)
    assert {side for pair in study.MODE_CONTRASTS.values() for side in pair} <= set(
        study.SEED_MODES
    )
    first = {c.key for c in configs if c.replicate == 0}
    assert first <= {c.key for c in study.headline(p)}  # replicate 0 is the headline run


def test_seed_variance_and_stability_separate_folds_from_seeds():
    p = profile.named("quick")
    configs = [
        c
        for c in study.replicates(dataclasses.replace(p, secondary_folds=(0, 1, 2), replicates=3))
        if c.dataset == "rt-polarity"
    ]
    frame = _frame(configs)
    fold_effect = {0: 0.0, 1: 0.04, 2: 0.08}
    seed_noise = {0: -0.01, 1: 0.0, 2: 0.01}
    gain = {"rand": 0.0, "rand-scaled": 0.0, "static": 0.02, "non-static": 0.05}
    frame["test_accuracy"] = [
        0.7 + fold_effect[f] + gain[m] + (seed_noise[r] if m == "non-static" else 0.0)
        for f, m, r in zip(frame["fold"], frame["mode"], frame["replicate"])
    ]
    variance = study.seed_variance(frame).loc["rt-polarity"]
    assert variance.loc["rand", "SD between seeds"] == pytest.approx(0.0, abs=1e-9)
    assert variance.loc["non-static", "SD between seeds"] == pytest.approx(1.0)  # points
    assert variance.loc["rand", "SD between folds"] == pytest.approx(4.0)
    stability = study.seed_stability(frame).loc["rt-polarity"]
    row = stability.loc["non_static_vs_rand"]
    assert [row[f"replicate {r}: a − b (points)"] for r in range(3)] == pytest.approx([4, 5, 6])
    assert row["SD between folds"] == pytest.approx(0.0, abs=1e-9)  # the gain is the same on
    assert row["SD between seeds"] == pytest.approx(1.0)  # every fold; only the seed moves it
    assert row["same sign every seed"]


def test_transfer_schedules_are_distinct_runs_on_the_same_folds():
    p = profile.named("full")
    schedules = study.transfer_schedules(p)
    sides = {side for pair in study.SCHEDULE_CONTRASTS.values() for side in pair}
    assert sides == set(schedules)
    keys = [c.key for configs in schedules.values() for c in configs]
    assert len(set(keys)) == len(keys)
    assert {name: sorted(c.fold for c in configs) for name, configs in schedules.items()} == {
        name: list(p.secondary_folds) for name in schedules
    }
    assert {c.unfreeze_epoch for c in schedules["frozen, then unfrozen"]} == {4}
    assert {c.frozen_rows for c in schedules["pretrained rows frozen"]} == {"pretrained"}
    eager_rand = schedules["random rows, eager"]
    assert {(c.mode, c.embedding_lr_scale) for c in eager_rand} == {("rand", 10.0)}


def test_the_corpus_curve_spans_every_corpus_with_epochs_for_its_size():
    p = profile.named("full")
    configs = [c for c in study.corpus_sizes(p) if c.mode != "rand"]
    epochs = {(study.corpus_name("+".join(c.corpus)), c.word2vec_epochs) for c in configs}
    assert epochs == {
        ("in_domain", 20),
        ("in_domain_brown", 20),
        ("general", 5),
        ("general_in_domain", 5),
    }
    assert {c.general_max_sentences for c in configs} == {None}
    quick = study.corpus_sizes(profile.named("quick"))
    assert {c.word2vec_epochs for c in quick if c.mode != "rand"} == {2}
    assert {c.general_max_sentences for c in quick if "gcide" in c.corpus} == {20_000}


def test_every_corpus_of_the_curve_passes_over_the_in_domain_text_equally_often():
    p = profile.named("full")
    passes = {}
    for c in study.corpus_sizes(p):
        if c.mode != "rand":
            name = study.corpus_name("+".join(c.corpus))
            passes[name] = c.corpus.count("train") * c.word2vec_epochs
            assert c.corpus.count("train") == c.corpus.count("unlabeled")
    assert passes == {"in_domain": 20, "in_domain_brown": 20, "general": 0, "general_in_domain": 20}
    general = study.matched_corpus(p, study.CORPORA["general"])
    assert general == study.CORPORA["general"]


def test_your_vectors_replace_ours_in_every_grid_but_question_3s_own(tmp_path):
    from w2vcnn.word2vec_format import save_vectors

    vectors = tmp_path / "mine.bin"
    kv = KeyedVectors(7)  # 7-d: its dimension, not the profile's, sizes the runs
    kv.add_vectors(["good", "bad"], np.ones((2, 7), dtype=np.float32))
    save_vectors(kv, vectors)
    p = dataclasses.replace(profile.named("quick"), vectors=str(vectors))
    grids = study.chapter_grids(p)
    theirs = {c for configs in grids.values() for c in configs if c.init == str(vectors)}
    assert {c.vector_size for c in theirs} == {7}
    assert {c.mode for c in theirs} == {"static", "non-static", "multichannel", "rand-scaled"}
    ours = {c for c in grids["Q3 skip-gram and CBOW"] if c.init in ("skipgram", "cbow")}
    assert ours and {c.vector_size for c in ours} == {p.vector_size}
    assert {c.key for c in study.initialisers(p)} == {
        c.key for c in study.initialisers(profile.named("quick"))
    }


def test_the_labelled_size_sweep_pairs_every_fraction_on_the_same_folds():
    p = profile.named("full")
    configs = study.labelled_sizes(p)
    cells = {(c.dataset, c.arch, c.mode, c.train_fraction) for c in configs}
    assert len(cells) == 2 * 4 * len(study.TRAIN_FRACTIONS)  # rand/static/non-static/TF-IDF
    assert {c.fold for c in configs} == set(p.secondary_folds)
    full_size = {c.key for c in configs if c.train_fraction == 1.0}
    assert full_size <= {c.key for c in study.embedding_modes(p) + study.tfidf(p)}


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_the_recipe_compares_runs_the_chapters_train(p):
    trained = {c.key for configs in study.chapter_grids(p).values() for c in configs}
    for step, (a, b) in study.recipe(p).items():
        assert {c.key for c in a + b} <= trained, step
        shared = {c.fold for c in a} & {c.fold for c in b}
        assert shared >= set(p.secondary_folds), step


def test_word2vec_epochs_compares_the_default_with_the_profile():
    p = profile.named("full")
    configs = study.word2vec_epochs(p)
    assert {(c.init, c.word2vec_epochs) for c in configs} == {
        (init, n) for init in ("skipgram", "cbow") for n in (5, p.word2vec_epochs)
    }
    assert {c.mode for c in configs} == {"static"}
    assert sorted({variant(c) for c in configs}) == [
        "cnn static cbow torch",
        "cnn static cbow torch word2vec×5",
        "cnn static skipgram torch",
        "cnn static skipgram torch word2vec×5",
    ]


def test_a_label_depends_on_the_config_alone(monkeypatch):
    config = study.word2vec_epochs(profile.named("full"))[0]
    label = variant(config)
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")
    assert variant(config) == label


def test_against_kim_subtracts_table_2():
    ours = pd.DataFrame(
        {
            "dataset": ["rt-polarity", "rt-subjectivity"],
            "mode": ["static", "rand"],
            "mean": [0.75, 0.9],
        }
    )
    table = study.against_kim(ours)
    assert table.loc[("rt-polarity vs MR", "static"), "Kim (%)"] == 81.0
    assert table.loc[("rt-polarity vs MR", "static"), "ours − Kim"] == pytest.approx(-6.0)
    assert table.loc[("rt-subjectivity vs Subj", "rand"), "ours − Kim"] == pytest.approx(0.4)


def test_the_best_cnn_is_chosen_on_dev_never_on_test():
    configs = study.embedding_modes(profile.named("full"), datasets=["rt-polarity"])
    frame = _frame(configs)
    # non-static best on dev, multichannel best on test: the choice must follow dev
    frame["dev_accuracy"] = frame["mode"].map({"non-static": 0.8}).fillna(0.7)
    frame["test_accuracy"] = frame["mode"].map({"multichannel": 0.9}).fillna(0.6)
    assert study.best_on_dev(frame) == {"rt-polarity": "non-static"}
    tfidf = _frame(study.tfidf(profile.named("full"), datasets=["rt-polarity"]))
    contest = study.against_tfidf(frame, tfidf)
    chosen = contest[contest["model"] == "best CNN"]
    assert set(chosen["mode"]) == {"non-static"} and len(chosen) == 10
    pairs = paired_values(contest, *study.TFIDF_CONTRASTS["best_cnn_vs_tfidf"], by="model")
    assert sorted(pairs["fold"]) == list(range(10))


def test_backend_agreement_tests_sentences_per_mode_and_folds_over_all_modes(monkeypatch):
    import numpy as np

    from w2vcnn import experiments

    configs = study.backends(profile.named("full"))
    frame = _frame(configs)
    labels = np.array([0, 1] * 50)
    results, right = {}, {}
    for i, config in enumerate(configs):
        predictions = labels.copy()
        # every run misses its own sentences: pairing the wrong runs would change the counts
        misses = range(i, i + 1 + i % 3) if config.backend == "keras" else [60 + i]
        predictions[list(misses)] ^= 1
        right[(config.mode, config.fold, config.backend)] = predictions == labels
        results[config.key] = experiments.RunResult(
            **{**_fields(config), "test_predictions": predictions, "test_labels": labels}
        )
        frame.loc[frame["run_id"] == config.key, "test_accuracy"] = (predictions == labels).mean()
    monkeypatch.setattr(experiments, "load_result", results.__getitem__)
    table = study.backend_agreement(frame)
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
    assert study.backend_agreement(frame, margin=0.05).loc["all modes", "equivalent"]


def _fields(config):
    return dict(
        run_id=config.key,
        config=config,
        test_accuracy=0.0,
        dev_accuracy=0.0,
        best_epoch=1,
        epochs_run=1,
        train_seconds=1.0,
        sentences_per_second=1.0,
        wall_seconds=1.0,
        curve=[],
        vocab_size=1,
        n_train_words=1,
    )


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
            ("TF-IDF", 0.65),
        )
        for fraction in (0.1, 1.0)
        for fold in range(3)
    ]
    table = study.sweep_differences(pd.DataFrame(rows))
    assert list(table.index) == [
        ("rt-polarity", fraction, name) for fraction in (0.1, 1.0) for name in study.SWEEP_CONTRASTS
    ]
    assert table.loc[("rt-polarity", 0.1, "static_vs_rand"), "difference"] == pytest.approx(0.02)
    row = table.loc[("rt-polarity", 1.0, "non_static_vs_tfidf")]
    assert row["difference"] == pytest.approx(-0.02) and row["ci95"] == pytest.approx(0)
    assert row["verdict"] == "lower"  # the same -2 points on every fold


def _tiny_dataset():
    from w2vcnn.data import Dataset

    texts = ["good film", "bad film", "good good", "new words here", "good novel", "film"]
    return Dataset(
        name="tiny", texts=texts, labels=np.array([1, 0, 1, 0, 1, 0]),
        label_names=["neg", "pos"], train=np.array([0, 1, 2]), dev=np.array([], dtype=int),
        test=np.array([3, 4, 5]), split="kfold", source="generated",
    )  # fmt: skip


def test_unseen_share_counts_tokens_no_training_sentence_has():
    shares = study.unseen_share(_tiny_dataset())
    assert list(shares) == [1.0, 0.5, 0.0]  # "new words here", "good novel", "film"


def test_accuracy_by_unseen_scores_each_run_on_each_bin(monkeypatch):
    from w2vcnn import data, experiments
    from w2vcnn.experiments import RunConfig

    configs = [
        RunConfig(mode=m, init="random" if m == "rand" else "skipgram", fold=f)
        for m in ("rand", "non-static")
        for f in (0, 1, 2)
    ]
    frame = _frame(configs)
    # the test sentences: "new words here" (all unseen), "good novel" (half), "film" (none)
    predictions = {"rand": [1, 1, 0], "non-static": [0, 1, 1]}
    results = {
        c.key: experiments.RunResult(
            **{**_fields(c), "test_predictions": predictions[c.mode], "test_labels": [0, 1, 0]}
        )
        for c in configs
    }
    monkeypatch.setattr(experiments, "load_result", results.__getitem__)
    monkeypatch.setattr(data, "dataset_of", lambda config: _tiny_dataset())
    by_unseen = study.accuracy_by_unseen(frame)
    assert len(by_unseen) == len(configs) * len(study.UNSEEN_BINS)
    cells = by_unseen.set_index(["mode", "fold", "bin"]).sort_index()
    for fold in (0, 1, 2):
        sizes = [cells.loc[("rand", fold, name), "sentences"] for name in study.UNSEEN_BINS]
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
    table = study.unseen_differences(pd.DataFrame(rows))
    names = [name for _, name in table.index]
    assert names == ["none", "up_to_10", "over_10", "over_10_vs_none"]
    assert list(table["difference"].round(4)) == [0.014, 0.024, 0.064, 0.05]
    assert list(table["pairs"]) == [5, 5, 5, 5] and list(table["sentences"][:3]) == [100] * 3
    assert table["verdict"].iloc[-1] == "higher"  # the gain is larger where words are unseen


def test_sweep_trend_pairs_the_gain_at_the_fewest_labels_with_the_gain_on_the_whole_split():
    rows = []
    for fold in range(5):
        for model, gain in (("rand", 0.0), ("static", 0.5), ("non-static", 1.0), ("TF-IDF", 0.2)):
            for fraction, head_start in ((0.05, 0.08), (0.5, 0.03), (1.0, 0.01)):
                accuracy = 0.6 + 0.2 * fraction + gain * head_start + 0.003 * fold * (1 + gain)
                rows.append({"dataset": "rt-polarity", "split": "kfold", "fold": fold, "seed": 0,
                             "max_examples": None, "model": model, "train_fraction": fraction,
                             "test_accuracy": accuracy})  # fmt: skip
    table = study.sweep_trend(pd.DataFrame(rows))
    assert list(table.index) == [
        ("rt-polarity", "static_vs_rand"),
        ("rt-polarity", "non_static_vs_rand"),
    ]
    assert list(table["comparison"]) == ["static − rand: 5% − 100%", "non-static − rand: 5% − 100%"]
    assert list(table["difference"].round(4)) == [0.035, 0.07]
    assert list(table["pairs"]) == [5, 5] and list(table["verdict"]) == ["higher", "higher"]
