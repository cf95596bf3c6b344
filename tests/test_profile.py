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


def test_your_vectors_come_from_the_environment_as_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.bin").write_bytes(b"1 2\n")
    monkeypatch.delenv(profile.VECTORS_ENV, raising=False)
    assert profile.current("quick").vectors is None
    monkeypatch.setenv(profile.VECTORS_ENV, "mine.bin")
    p = profile.current("quick")
    assert p.vectors == str(tmp_path / "mine.bin") and p.name == "quick"
    assert profile.named("quick").vectors is None  # the named profiles stay as they are


@pytest.mark.parametrize("make", [None, "folder"], ids=["missing", "a folder"])
def test_vectors_that_are_not_a_file_are_one_clear_error(tmp_path, monkeypatch, make):
    path = tmp_path / "GoogleNews.bin"
    if make:
        path.mkdir()
    monkeypatch.setenv(profile.VECTORS_ENV, str(path))
    problem = "is not a file" if make else "does not exist"
    with pytest.raises(ValueError, match=rf"GoogleNews.bin \(W2VCNN_VECTORS.*\) {problem}"):
        profile.current("quick")
    assert sorted(tmp_path.iterdir()) == ([path] if make else [])  # nothing written
