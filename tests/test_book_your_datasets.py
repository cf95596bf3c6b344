"""End to end: `make book DATASETS=` runs on a reader's datasets, and refuses a bad one before
anything trains."""

import re

import pytest

from bookbuild import chapters, held_prose, make_book, page_text, tracked_copy

pytestmark = pytest.mark.book  # make test runs these after the rest, one at a time


@pytest.mark.slow
def test_make_book_on_your_datasets_runs_and_names_them_on_every_page(tmp_path):
    from generated import mr_folder, topics_csv
    from w2vcnn import profile, protocol, study
    from w2vcnn.experiments import is_cached

    # three classes in a CSV, and Kim's MR layout (so question 1 sets his numbers beside ours)
    topics = topics_csv(tmp_path / "topics.csv")
    mr = mr_folder(tmp_path / "polarity")
    copy = tracked_copy(tmp_path / "repo")
    result = make_book(copy, f"DATASETS={topics} {mr}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for chapter in chapters():
        html = (copy / "_build" / "html" / chapter).with_suffix(".html").read_text("utf-8")
        text = re.sub(r"<[^>]+>", " ", html)
        assert "Datasets, given with" in text, chapter
        assert "topics (600 sentences, 3 classes" in text, chapter
        assert "mr (600 sentences, 2 classes" in text, chapter
        for ours in ("rt-polarity", "rt_polarity", "rt-subjectivity", "IMDb"):
            # a word of its own: Results may name MR's archive, rt-polaritydata.tar.gz
            assert not re.search(rf"\b{ours}\b", text), f"{chapter} names {ours}"
        assert "Traceback" not in text, chapter
    for chapter, _, words in held_prose("only-our-datasets"):
        assert words not in page_text(copy / "_build" / "html", chapter), (chapter, words)
    q1 = (copy / "_build" / "html" / "book" / "q1_embedding_layer.html").read_text("utf-8")
    assert "mr vs MR" in q1  # Kim's Table 2 beside ours on his layout
    yours = profile.current("quick", datasets=[str(topics), str(mr)])
    assert {protocol.name_of(d) for d in yours.datasets} == {"topics", "mr"}
    assert all(is_cached(c) for c in study.embedding_modes(yours))


@pytest.mark.slow
def test_make_book_on_a_bad_dataset_fails_before_anything_trains(tmp_path, monkeypatch):
    # a data folder of this test's own: a test on the other worker may be training meanwhile
    data = tmp_path / "data"
    monkeypatch.setenv("W2VCNN_DATA", str(data))
    copy = tracked_copy(tmp_path / "repo")
    one_class = tmp_path / "one_class.csv"
    one_class.write_text("text,label\n" + "".join(f"sentence {i},pos\n" for i in range(40)))
    for entry, problem in (
        ("nowhere.csv", "dataset 'nowhere.csv' (W2VCNN_DATASETS)"),
        ("no-such-name", "dataset 'no-such-name' (W2VCNN_DATASETS)"),
        (one_class, "only one class"),
    ):
        result = make_book(copy, f"DATASETS={entry}")
        assert result.returncode != 0, entry
        assert problem in result.stderr, result.stderr[-2000:]
    written = [p for p in data.rglob("*") if p.is_file()] if data.exists() else []
    assert written == []  # nothing trained, nothing fetched, nothing cached
    assert not (copy / "_build").exists()
