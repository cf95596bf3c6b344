"""The study's definition: profiles, the chapters' grids, Kim's table, and the command line."""
import itertools

import pandas as pd
import pytest

from conftest import QUICK, snapshot
from w2vcnn import profile, study
from w2vcnn.__main__ import main
from w2vcnn.experiments import RunConfig, is_cached


@pytest.mark.parametrize("name", ["full", "quick"])
def test_every_chapter_grid_pairs_its_variants_on_every_seed(name, monkeypatch):
    monkeypatch.setenv(profile.PROFILE_ENV, name)
    seeds = profile.current().seeds
    for chapter, configs in study.chapter_grids().items():
        by_variant = {}
        for config in configs:
            by_variant.setdefault((config.dataset, config.variant), set()).add(config.seed)
        assert all(s == set(seeds) for s in by_variant.values()), chapter


@pytest.mark.parametrize("name", ["full", "quick"])
def test_no_two_different_runs_share_a_label(name, monkeypatch):
    # the results chapter aggregates every run by (dataset, variant) over seeds: a label shared by
    # two different configs would average runs that are not the same experiment
    monkeypatch.setenv(profile.PROFILE_ENV, name)
    configs = set(itertools.chain.from_iterable(study.chapter_grids().values()))
    labels = {(c.dataset, c.variant, c.seed) for c in configs}
    assert len(labels) == len(configs)


@pytest.mark.parametrize("name", ["full", "quick"])
def test_the_recipe_compares_variants_the_chapters_train(name, monkeypatch):
    monkeypatch.setenv(profile.PROFILE_ENV, name)
    variants = {c.variant for configs in study.chapter_grids().values() for c in configs}
    for step, a, b in study.RECIPE:
        assert {a, b} <= variants, step


def test_word2vec_epochs_compares_the_default_with_the_profile(monkeypatch):
    monkeypatch.setenv(profile.PROFILE_ENV, "full")
    configs = study.word2vec_epochs()
    assert {(c.init, c.word2vec_epochs) for c in configs} == {
        (init, n) for init in ("skipgram", "cbow") for n in (5, profile.current().word2vec_epochs)}
    assert {c.mode for c in configs} == {"static"}
    assert sorted({c.variant for c in configs}) == [
        "cnn static cbow torch", "cnn static cbow torch word2vec×5",
        "cnn static skipgram torch", "cnn static skipgram torch word2vec×5"]


def test_against_kim_subtracts_table_2():
    ours = pd.DataFrame({"dataset": ["rt-polarity", "rt-subjectivity"], "mode": ["static", "rand"],
                         "mean": [0.75, 0.9]})
    table = study.against_kim(ours)
    assert table.loc[("rt-polarity vs MR", "static"), "Kim (%)"] == 81.0
    assert table.loc[("rt-polarity vs MR", "static"), "ours − Kim"] == pytest.approx(-6.0)
    assert table.loc[("rt-subjectivity vs Subj", "rand"), "ours − Kim"] == pytest.approx(0.4)


def test_profile_by_name_and_environment(monkeypatch):
    monkeypatch.delenv(profile.PROFILE_ENV, raising=False)
    assert profile.current().name == "full"
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")
    assert profile.current().name == "quick" and profile.current("full").name == "full"
    assert RunConfig().vector_size == profile.PROFILES["full"].vector_size  # defaults = the full study


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown profile 'huge'; known: full, quick"):
        profile.current("huge")


# ---------------------------------------------------------------- command line


def test_cli_lists_datasets(capsys):
    assert main(["datasets"]) == 0
    assert "rt-polarity" in capsys.readouterr().out


def test_cli_bad_choice_is_one_clear_error_and_caches_nothing(cache, capsys):
    before = snapshot(cache)
    assert main(["run", "--mode", "dynamic"]) == 2
    assert "error: unknown mode 'dynamic'; valid: rand, static, non-static, multichannel" in capsys.readouterr().err
    assert snapshot(cache) == before


def test_cli_study_trains_every_chapter_run_and_records_the_minutes(cache, capsys, monkeypatch):
    tiny = [RunConfig(**QUICK, mode="rand", init="random", seed=s) for s in (21, 22)]
    monkeypatch.setattr(study, "chapter_grids", lambda: {"Q1 tiny": tiny, "Q2 tiny": tiny[:1]})
    digest_before = study.inputs_digest()
    assert main(["study", "--workers", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["Q1", "tiny", "2", "2"] and float(lines[1].split()[4]) >= 0  # 2 runs, 2 trained
    assert lines[2].split()[:4] == ["Q2", "tiny", "1", "0"]  # shared with Q1: nothing left to train
    assert all(is_cached(c) for c in tiny)
    times = study.build_times()
    assert list(times.index) == ["Q1 tiny", "Q2 tiny"] and list(times["trained"]) == [2, 0]
    assert times.attrs["workers"] == 2 and times.attrs["total_minutes"] >= times["minutes"].sum() * 0.99
    # new runs make the pages stale; a second call trains nothing and keeps the record of the first
    digest_after = study.inputs_digest()
    assert digest_after != digest_before
    record = (cache / "cache" / f"build-times-{profile.current().name}.json").read_bytes()
    assert main(["study", "--workers", "2"]) == 0
    assert (cache / "cache" / f"build-times-{profile.current().name}.json").read_bytes() == record
    assert study.inputs_digest() == digest_after


def test_build_times_without_a_record_is_empty(isolated_data):
    times = study.build_times()
    assert times.empty and list(times.columns) == ["runs", "trained", "minutes"]


def test_inputs_digest_follows_the_profile(isolated_data, monkeypatch):
    monkeypatch.setenv(profile.PROFILE_ENV, "full")
    full = study.inputs_digest()
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")
    assert study.inputs_digest() != full
