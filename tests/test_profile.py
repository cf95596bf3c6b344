"""Profiles: read once at an entry point, by name or from the environment."""

import pytest

from w2vcnn import profile
from w2vcnn.experiments import RunConfig


def test_current_reads_the_environment_and_a_name_wins(monkeypatch):
    monkeypatch.delenv(profile.PROFILE_ENV, raising=False)
    assert profile.current().name == "full"
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")
    assert profile.current().name == "quick" and profile.current("full").name == "full"


def test_named_ignores_the_environment(monkeypatch):
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")
    assert profile.named("full") is profile.PROFILES["full"]


def test_unknown_profile_names_the_known_ones(monkeypatch):
    with pytest.raises(ValueError, match="unknown profile 'huge'; known: full, quick"):
        profile.named("huge")
    monkeypatch.setenv(profile.PROFILE_ENV, "huge")
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        profile.current()


def test_config_defaults_are_the_full_study_and_for_profile_sizes_a_config(monkeypatch):
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")  # must not leak into a config
    full, quick = profile.PROFILES["full"], profile.PROFILES["quick"]
    assert RunConfig().vector_size == full.vector_size and RunConfig().max_epochs == full.max_epochs
    sized = RunConfig.for_profile("quick", mode="static", max_epochs=7)
    assert (sized.vector_size, sized.feature_maps, sized.max_examples) == (
        quick.vector_size,
        quick.feature_maps,
        quick.max_examples,
    )
    assert sized.max_epochs == 7  # overrides win
    assert RunConfig.for_profile(quick) == RunConfig.for_profile("quick")
