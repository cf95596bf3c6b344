"""What `make book` runs first: every chapter's runs, the build-time record, the inputs digest."""

from conftest import QUICK
from w2vcnn import build, profile, study
from w2vcnn.experiments import RunConfig, is_cached

QUICK_PROFILE = profile.named("quick")


def test_train_all_trains_every_chapter_run_and_records_the_minutes(cache, monkeypatch):
    tiny = [RunConfig(**QUICK, mode="rand", init="random", seed=s) for s in (21, 22)]
    monkeypatch.setattr(study, "chapter_grids", lambda p: {"Q1 tiny": tiny, "Q2 tiny": tiny[:1]})
    digest_before = build.inputs_digest(QUICK_PROFILE)
    lines = []
    table = build.train_all(QUICK_PROFILE, workers=1, report=lines.append)
    assert list(table["runs"]) == [2, 1] and list(table["trained"]) == [
        2,
        0,
    ]  # Q2's run came from Q1
    assert [line.split()[:2] for line in lines] == [["Q1", "tiny"], ["Q2", "tiny"]]
    assert all(is_cached(c) for c in tiny)
    times = build.build_times(QUICK_PROFILE)
    assert list(times.index) == ["Q1 tiny", "Q2 tiny"] and list(times["trained"]) == [2, 0]
    assert (
        times.attrs["workers"] == 1
        and times.attrs["total_minutes"] >= times["minutes"].sum() * 0.99
    )
    # new runs make the pages stale; a second call trains nothing and keeps the record of the first
    digest_after = build.inputs_digest(QUICK_PROFILE)
    assert digest_after != digest_before
    record = (cache / "cache" / "build-times-quick.json").read_bytes()
    again = build.train_all(QUICK_PROFILE, report=lambda line: None)
    assert list(again["trained"]) == [0, 0]
    assert (cache / "cache" / "build-times-quick.json").read_bytes() == record
    assert build.inputs_digest(QUICK_PROFILE) == digest_after


def test_build_times_without_a_record_is_empty(isolated_data):
    times = build.build_times(QUICK_PROFILE)
    assert times.empty and list(times.columns) == ["runs", "trained", "minutes"]


def test_inputs_digest_follows_the_profile(isolated_data):
    assert build.inputs_digest(profile.named("full")) != build.inputs_digest(QUICK_PROFILE)


def test_environment_names_the_libraries_that_made_the_numbers():
    facts = build.environment()["value"]
    assert facts["CPU cores"] >= 1
    for name in ("torch", "keras", "gensim", "w2vcnn"):
        assert facts[name] != "not installed", name
