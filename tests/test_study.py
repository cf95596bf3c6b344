"""The study's definition: the chapters' grids, their named contrasts, Kim's table."""

import itertools

import pandas as pd
import pytest

from w2vcnn import profile, study
from w2vcnn.stats import paired_values

PROFILES = [profile.named(name) for name in profile.PROFILES]


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_every_chapter_grid_pairs_its_variants_on_every_seed(p):
    for chapter, configs in study.chapter_grids(p).items():
        by_variant = {}
        for config in configs:
            by_variant.setdefault((config.dataset, config.variant), set()).add(config.seed)
        assert all(s == set(p.seeds) for s in by_variant.values()), chapter


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_no_two_different_runs_share_a_label(p):
    # the results chapter aggregates every run by (dataset, variant) over seeds: a label shared by
    # two different configs would average runs that are not the same experiment
    configs = set(itertools.chain.from_iterable(study.chapter_grids(p).values()))
    labels = {(c.dataset, c.variant, c.seed) for c in configs}
    assert len(labels) == len(configs)


def _frame(configs):
    """A grid's DataFrame as run_grid makes it, with made-up accuracies: for checking selection."""
    from w2vcnn.experiments import RunResult

    rows = [
        RunResult(
            run_id=c.key,
            config=c,
            test_accuracy=0.5 + 0.01 * i,
            dev_accuracy=0.5,
            best_epoch=1,
            epochs_run=1,
            train_seconds=1.0,
            sentences_per_second=1.0,
            wall_seconds=1.0,
            curve=[],
            test_predictions=[],
            test_labels=[],
            vocab_size=1,
            n_train_words=1,
        ).row()
        for i, c in enumerate(configs)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize(
    "grid, contrasts, by",
    [
        ("embedding_modes", "MODE_CONTRASTS", "mode"),
        ("backends", "BACKEND_CONTRASTS", ("mode", "backend")),
        ("initialisers", "INIT_CONTRASTS", ("mode", "init")),
        ("corpus_sizes", "CORPUS_CONTRASTS", ("mode", "corpus")),
        ("word2vec_epochs", "word2vec_epochs_contrasts", ("init", "word2vec_epochs")),
    ],
)
def test_each_contrast_pairs_one_run_per_seed_on_each_side(p, grid, contrasts, by):
    frame = _frame(getattr(study, grid)(p))
    named = getattr(study, contrasts)
    named = named(p) if callable(named) else named
    for name, (a, b) in named.items():
        for dataset, runs in frame.groupby("dataset"):
            pairs = paired_values(runs, a, b, by=by)
            assert sorted(pairs["seed"]) == sorted(p.seeds), (name, dataset)
            assert (pairs["a"] != pairs["b"]).all()  # two different runs on each seed


def test_transfer_schedules_are_distinct_runs_on_the_same_seeds():
    p = profile.named("full")
    schedules = study.transfer_schedules(p)
    assert set(study.SCHEDULE_CONTRASTS) | {"frozen"} == set(schedules)
    keys = [c.key for configs in schedules.values() for c in configs]
    assert len(set(keys)) == len(keys)
    assert {name: sorted(c.seed for c in configs) for name, configs in schedules.items()} == {
        name: list(p.seeds) for name in schedules
    }
    assert {c.unfreeze_epoch for c in schedules["frozen, then unfrozen"]} == {4}


@pytest.mark.parametrize("p", PROFILES, ids=lambda p: p.name)
def test_the_recipe_compares_runs_the_chapters_train(p):
    trained = {c.key for configs in study.chapter_grids(p).values() for c in configs}
    for step, (a, b) in study.recipe(p).items():
        assert {c.key for c in a + b} <= trained, step
        assert sorted(c.seed for c in a) == sorted(c.seed for c in b) == list(p.seeds), step


def test_word2vec_epochs_compares_the_default_with_the_profile():
    p = profile.named("full")
    configs = study.word2vec_epochs(p)
    assert {(c.init, c.word2vec_epochs) for c in configs} == {
        (init, n) for init in ("skipgram", "cbow") for n in (5, p.word2vec_epochs)
    }
    assert {c.mode for c in configs} == {"static"}
    assert sorted({c.variant for c in configs}) == [
        "cnn static cbow torch",
        "cnn static cbow torch word2vec×5",
        "cnn static skipgram torch",
        "cnn static skipgram torch word2vec×5",
    ]


def test_a_label_depends_on_the_config_alone(monkeypatch):
    config = study.word2vec_epochs(profile.named("full"))[0]
    label = config.variant
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")
    assert config.variant == label


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
