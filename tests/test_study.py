"""The study's definition: the chapters' grids, their named contrasts, Kim's table."""

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors

from conftest import grid_frame
from w2vcnn import grids, profile, study
from w2vcnn.records import variant
from w2vcnn.stats import paired_values

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


def _declared_contrasts():
    return [
        (name, i)
        for name, experiment in study.EXPERIMENTS.items()
        for i in range(len(experiment.declared_contrasts))
    ]


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("name, i", _declared_contrasts())
def test_each_declared_contrast_pairs_one_run_with_another_on_every_fold_both_sides_ran(p, name, i):
    experiment = study.EXPERIMENTS[name]
    groups = experiment.groups(p)
    frame = pd.concat(
        [
            grid_frame(configs).assign(**{experiment.column or "group": g})
            for g, configs in groups.items()
        ],
        ignore_index=True,
    )
    contrasts = experiment.contrasts(p)[i]
    for where, runs in frame.groupby(list(experiment.per)):
        for contrast, (a, b) in contrasts.items():
            # the run ids as values: each pair must join two different runs
            pairs = paired_values(runs, a, b, by=contrasts.by, value="run_id")
            assert (pairs["a"] != pairs["b"]).all(), (contrast, where)
            # a side paired with itself: its runs
            sides = [paired_values(runs, s, s, by=contrasts.by, value="run_id") for s in (a, b)]
            fewer = min(len(side) for side in sides)
            assert len(pairs) == fewer, (contrast, where)  # no run of the smaller side unpaired
            assert set(p.secondary_folds) <= set(pairs["fold"]), (contrast, where)


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_the_headline_runs_in_kims_regime_and_the_stopping_rules_share_its_trainings(p):
    scaled = study.scaled_rand(p)
    assert {c.mode for c in scaled} == {"rand-scaled"} and {c.init for c in scaled} == {"skipgram"}
    assert {(c.dataset, c.fold) for c in scaled} == {(d, f) for d in p.datasets for f in p.folds}
    headline = study.headline(p)
    assert {(c.max_epochs, c.patience) for c in headline} == {(p.kim_epochs, None)}
    rules = study.stopping_rules.groups(p)
    assert set(rules["kim"]) == {c for c in headline if c.dataset == p.datasets[0]}
    assert {(c.max_epochs, c.patience) for c in rules["patience"]} == {(p.max_epochs, p.patience)}
    # every run of the cheaper rule is one of Kim's stopped earlier: trained in it, not alone
    reading = grids.read_from_one_training(rules["kim"] + rules["patience"])
    read = [c for runs in reading.values() for c in runs]
    assert len(read) == len(set(read)) and set(read) == set(rules["patience"])
    assert set(reading) == set(rules["kim"]) | set(rules["patience"])
    frame = pd.concat(
        [grid_frame(configs).assign(rule=name) for name, configs in rules.items()],
        ignore_index=True,
    )
    for a, b in study.STOPPING_CONTRASTS.values():
        assert sorted(paired_values(frame, a, b, by=("mode", "rule"))["fold"]) == list(p.folds)


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_replicates_repeat_the_primary_contrasts_on_the_secondary_folds(p):
    configs = study.replicates(p)
    assert {c.replicate for c in configs} == set(range(p.replicates))
    assert {c.fold for c in configs} == set(p.secondary_folds)
    assert {c.mode for c in configs} == set(study.SEED_MODES)
    assert {side for pair in study.MODE_CONTRASTS.values() for side in pair} <= set(
        study.SEED_MODES
    )
    first = [c for c in configs if c.replicate == 0]
    # replicate 0 is the headline run under the profile's stopping rule, read from its training
    headline = study.headline(p)
    assert all(any(c.stops_early_within(h) for h in headline) for c in first)


def test_transfer_schedules_are_distinct_runs_on_the_same_folds():
    p = profile.named("full")
    schedules = study.transfer_schedules.groups(p)
    sides = {side for pair in study.SCHEDULE_CONTRASTS.values() for side in pair}
    assert sides == set(schedules)
    keys = [c.key for configs in schedules.values() for c in configs]
    assert len(set(keys)) == len(keys)
    assert {name: sorted(c.fold for c in configs) for name, configs in schedules.items()} == {
        name: list(p.secondary_folds) for name in schedules
    }
    assert {c.unfreeze_epoch for c in schedules["frozen_then_unfrozen"]} == {4}
    assert {c.frozen_rows for c in schedules["pretrained_rows_frozen"]} == {"pretrained"}
    eager_rand = schedules["random_rows_eager"]
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
    others = [e for e in study.EXPERIMENTS.values() if e is not study.recipe]
    trained = {c.key for e in others for c in e(p)}
    sides = study.recipe.groups(p)
    assert set(study.RECIPE_QUOTED).isdisjoint(study.RECIPE_CONTRASTS)  # quoted, not retested
    for family, contrast in study.RECIPE_QUOTED.values():
        assert family.family and contrast in family
    for step, (a, b) in study.RECIPE_CONTRASTS.items():
        assert {c.key for c in sides[a] + sides[b]} <= trained, step
        shared = {c.fold for c in sides[a]} & {c.fold for c in sides[b]}
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


CHAPTER_FILES = {
    study.INTRO: "intro.md",
    study.Q1: "q1_embedding_layer.md",
    study.Q2: "q2_vec_bin.md",
    study.Q3: "q3_skipgram_cbow.md",
    study.BEYOND: "beyond.md",
}


def test_each_page_runs_exactly_the_experiments_that_list_it():
    # chapter_grids (what make book trains before the pages run) is derived from the experiments'
    # pages: an experiment a page's code runs but does not list would be trained inside the page,
    # or be missing from its timing; one it lists but never runs would be trained for nothing
    import re
    from pathlib import Path

    book = Path(__file__).parent.parent / "book"
    assert set(study.PAGES) == set(CHAPTER_FILES)
    for page, name in CHAPTER_FILES.items():
        text = (book / name).read_text(encoding="utf-8")
        code = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S))
        ran = set(re.findall(r"study\.(\w+)(?:\.run)?\(P\b", code)) & set(study.EXPERIMENTS)
        listed = {name for name, e in study.EXPERIMENTS.items() if page in e.pages}
        assert ran == listed, page


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_chapter_grids_holds_every_experiments_runs_and_no_other(p):
    grids = study.chapter_grids(p)
    assert list(grids) == list(study.PAGES)
    listed = {c for configs in grids.values() for c in configs}
    assert listed == {c for e in study.EXPERIMENTS.values() for c in e(p)}
    for page, configs in grids.items():
        assert len(configs) == len(set(configs)), page  # Results counts a page's runs by its list


def test_an_experiment_runs_its_groups_under_its_column(monkeypatch):
    p = profile.named("quick")
    asked = []
    monkeypatch.setattr(study, "run_groups", lambda groups, column, progress: asked.append(column))
    monkeypatch.setattr(study, "run_grid", lambda configs, progress: asked.append(len(configs)))
    study.stopping_rules.run(p)
    study.wide_convolution.run(p)
    assert asked == ["rule", len(study.wide_convolution(p))]
    groups = study.recipe.groups(p)
    # a run two sides share (the fine-tuned CNN is also "our skip-gram") is listed once
    assert groups["fine_tuned"] == groups["our_skipgram"]
    assert len(study.recipe(p)) == len({c for configs in groups.values() for c in configs})


def test_the_catalogue_names_each_experiments_contrasts_as_a_page_passes_them():
    p = profile.named("full")
    catalogue = study.catalogue(p)
    assert list(catalogue.index) == list(study.EXPERIMENTS)
    assert catalogue.loc["headline", "contrasts"] == ("MODE_CONTRASTS", "MODE_EXPLORATORY")
    assert catalogue.loc["word2vec_epochs", "contrasts"] == ("word2vec_epochs_contrasts(P)",)
    assert catalogue.loc["headline", "compared"] == 6
    assert catalogue.loc["headline", "primary"] == (True, False)
    assert catalogue.loc["stopping_rules", "groups"] == "rule"
    assert catalogue.loc["tfidf", "groups"] == ""
    assert catalogue.loc["initialisers", "by"] == ("mode", "init")
    for name, row in catalogue.iterrows():
        assert row["runs"] == len(study.EXPERIMENTS[name](p)), name
        for declared in row["contrasts"]:
            assert hasattr(study, declared.removesuffix("(P)")), declared
