"""The datasets a book runs on and Kim's protocol per dataset: given splits keep their split with
seeds in place of folds, the rest get 10 folds; bad entries fail before anything trains."""

import dataclasses

import pytest

from generated import mr_folder, topics_csv, trec_folder
from w2vcnn import profile, protocol, study
from w2vcnn._io import DataError
from w2vcnn.data import load_dataset
from w2vcnn.grids import grid


@pytest.fixture
def mine(tmp_path):
    return {
        "topics": topics_csv(tmp_path / "topics.csv"),
        "mr": mr_folder(tmp_path / "polarity data"),
        "trec": trec_folder(tmp_path / "questions"),
    }


def test_datasets_come_from_the_environment_as_absolute_paths_and_names(
    tmp_path, monkeypatch, mine
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(profile.DATASETS_ENV, raising=False)
    assert profile.current("quick").datasets == ("rt-polarity", "rt-subjectivity")
    monkeypatch.setenv(profile.DATASETS_ENV, "topics.csv  trec")
    p = profile.current("quick")
    assert p.datasets == (str(mine["topics"]), "trec")
    assert profile.current("quick", datasets=["mr"]).datasets == ("mr",)  # an argument wins
    assert profile.named("quick").datasets == profile.DATASETS  # the named profiles stay


def test_each_dataset_is_named_as_the_pages_call_it(mine):
    p = profile.current("quick", datasets=[str(m) for m in mine.values()])
    assert [protocol.name_of(d) for d in p.datasets] == ["topics", "mr", "trec"]
    assert study.kim(p) == {"mr": "MR", "trec": "TREC"}  # folders in Kim's layouts; a CSV is not
    facts = protocol.facts(p)
    assert facts.loc["topics", "classes"] == 3 and facts.loc["topics", "split"] == "kfold"
    assert facts.loc["trec", "split"] == "given" and facts.loc["trec", "test"] == 36
    assert facts.loc["mr", "majority_share"] == pytest.approx(0.5)


def test_a_given_split_keeps_it_with_seeds_where_the_folds_would_be(mine):
    p = profile.current("full", datasets=[str(mine["trec"]), str(mine["topics"])])
    configs = study.embedding_modes(p)
    trec = [c for c in configs if c.dataset == str(mine["trec"])]
    topics = [c for c in configs if c.dataset == str(mine["topics"])]
    assert {(c.split, c.fold) for c in trec} == {("given", 0)}
    assert sorted({c.seed for c in trec}) == list(p.folds)  # as many runs as the folds give
    assert {c.split for c in topics} == {"kfold"} and sorted({c.fold for c in topics}) == list(
        p.folds
    )
    assert len(trec) == len(topics)
    # the single-dataset grids run on the first dataset, the secondary folds as seeds
    assert {(c.dataset, c.seed) for c in study.backends(p)} == {
        (str(mine["trec"]), s) for s in p.secondary_folds
    }
    assert study.one_run(p, mode="static").split == "given"


def test_a_csv_that_names_its_split_keeps_it(tmp_path):
    rows = "".join(
        f"sentence {i} {'good' if i % 2 else 'bad'},{i % 2},{'test' if i < 20 else 'train'}\n"
        for i in range(100)
    )
    path = tmp_path / "mine.csv"
    path.write_text("text,label,split\n" + rows)
    p = profile.current("quick", datasets=[str(path)])
    assert protocol.check(p) is p
    assert protocol.split_of(p, str(path)) == "given"
    facts = protocol.facts(p).loc["mine"]
    assert (facts["split"], facts["test"]) == ("given", 20)


def test_a_file_edited_in_a_running_notebook_is_read_again(tmp_path):
    rows = [f"sentence {i} {'good' if i % 2 else 'bad'},{i % 2}" for i in range(100)]
    path = tmp_path / "mine.csv"
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    p = profile.current("quick", datasets=[str(path)])
    assert protocol.split_of(p, str(path)) == "kfold"
    split = ["test" if i < 20 else "train" for i in range(100)]
    path.write_text("text,label,split\n" + "".join(f"{r},{s}\n" for r, s in zip(rows, split)))
    assert protocol.split_of(p, str(path)) == "given"  # the same process, the file's new content
    assert protocol.facts(p).loc["mine", "test"] == 20


def test_our_datasets_keep_kims_ten_folds():
    p = profile.named("full")
    assert grid(profile=p, dataset="rt-polarity", mode="static")[0].split == "kfold"
    assert protocol.split_of(p, "trec") == "given" and protocol.split_of(p, "mr") == "kfold"


@pytest.mark.parametrize(
    "entry, message",
    [
        ("nowhere.csv", "unknown dataset 'nowhere.csv': not a known name"),
        ("one class", "only one class"),
        ("scarce", r"class\(es\) \['b'\] have fewer than 10 examples \(a: 12, b: 3\)"),
        ("bad columns", r"column\(s\) \['text'\] not found"),
    ],
)
def test_a_bad_dataset_is_one_clear_error_naming_it(tmp_path, entry, message):
    files = {
        "one class": "text,label\n" + "".join(f"sentence {i},a\n" for i in range(20)),
        "scarce": "text,label\n"
        + "".join(f"sentence {i},{'a' if i < 12 else 'b'}\n" for i in range(15)),
        "bad columns": "sentence,label\nhello,a\n",
    }
    if entry in files:
        path = tmp_path / f"{entry.replace(' ', '_')}.csv"
        path.write_text(files[entry])
        before = path.read_bytes()
        entry = str(path)
    p = dataclasses.replace(profile.named("quick"), datasets=("rt-polarity", entry))
    with pytest.raises(DataError, match=message) as raised:
        protocol.check(p)
    assert repr(entry) in str(raised.value) and profile.DATASETS_ENV in str(raised.value)
    if entry in map(str, tmp_path.iterdir()):
        assert (tmp_path / entry).read_bytes() == before  # the reader's file is left as it was


def test_two_entries_the_pages_would_call_alike_are_refused(tmp_path):
    a = topics_csv(tmp_path / "topics.csv")
    (tmp_path / "other").mkdir()
    b = topics_csv(tmp_path / "other" / "topics.csv", seed=1)
    p = dataclasses.replace(profile.named("quick"), datasets=(str(a), str(b)))
    with pytest.raises(DataError, match="would both be called 'topics'"):
        protocol.check(p)
    empty = dataclasses.replace(profile.named("quick"), datasets=())
    with pytest.raises(DataError, match="no dataset given"):
        protocol.check(empty)


@pytest.fixture(scope="module")
def polarity():
    return load_dataset("rt-polarity")


def test_describe_reports_sizes_balance_lengths_vocabulary(polarity):
    from w2vcnn.protocol import describe

    table = describe(polarity)
    assert list(table.index) == ["train", "dev", "test", "all"]
    assert table.loc["all", "examples"] == len(polarity)
    assert table.loc["train", "negative"] + table.loc["train", "positive"] == len(polarity.train)
    assert 15 < table.loc["all", "mean len"] < 25 and table.loc["all", "vocab"] > 15_000
