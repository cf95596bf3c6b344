"""End to end: `make book VECTORS= DATASETS=` trains a reader's word2vec file on a reader's
datasets and names both on each page (one build for both: each directive that holds our own
prose back is tested alone in test_directives); a bad dataset or a missing file is refused
before anything trains."""

import re

import pytest

from bookbuild import chapters, held_prose, make_book, page_text, tracked_copy

pytestmark = pytest.mark.book  # make test runs these after the rest, one at a time


@pytest.mark.slow
def test_make_book_on_your_vectors_and_datasets_uses_and_names_them_on_every_page(tmp_path):
    from gensim.models import Word2Vec

    from generated import CUES, mr_folder, sentences, topics_csv
    from w2vcnn import profile, protocol, study
    from w2vcnn.experiments import is_cached
    from w2vcnn.text import tokenize
    from w2vcnn.word2vec_format import save_vectors

    # three classes in a CSV, and Kim's MR layout (so question 1 sets his numbers beside ours)
    topics = topics_csv(tmp_path / "topics.csv")
    mr = mr_folder(tmp_path / "polarity")
    # a reader's vectors: another dimension than the quick profile's 50, trained on other text
    text = [s for label in CUES for s in sentences(label, 100, seed=7)]
    model = Word2Vec([tokenize(t) for t in text], vector_size=12, min_count=1, seed=0, workers=1)
    vectors = tmp_path / "my vectors.bin"  # a space in the name, as readers' paths have
    save_vectors(model.wv, vectors)
    copy = tracked_copy(tmp_path / "repo")
    result = make_book(copy, f"VECTORS={vectors}", f"DATASETS={topics} {mr}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for chapter in chapters():
        html = (copy / "_build" / "html" / chapter).with_suffix(".html").read_text("utf-8")
        assert "Pretrained vectors: " in html and "vectors.bin" in html, chapter
        text = re.sub(r"<[^>]+>", " ", html)
        assert "Datasets, given with" in text, chapter
        assert "topics (600 sentences, 3 classes" in text, chapter
        assert "mr (600 sentences, 2 classes" in text, chapter
        for ours in ("rt-polarity", "rt_polarity", "rt-subjectivity", "IMDb"):
            # a word of its own: Results may name MR's archive, rt-polaritydata.tar.gz
            assert not re.search(rf"\b{ours}\b", text), f"{chapter} names {ours}"
        assert "Traceback" not in text, chapter
    # prose held for our own datasets and small-corpus vectors is left out
    for chapter, _, words in held_prose("only-our-datasets") + held_prose("only-our-vectors"):
        assert words not in page_text(copy / "_build" / "html", chapter), (chapter, words)
    q1 = (copy / "_build" / "html" / "book" / "q1_embedding_layer.html").read_text("utf-8")
    assert "mr vs MR" in q1  # Kim's Table 2 beside ours on his layout
    yours = profile.current("quick", vectors=vectors, datasets=[str(topics), str(mr)])
    assert {protocol.name_of(d) for d in yours.datasets} == {"topics", "mr"}
    assert all(is_cached(c) for c in study.embedding_modes(yours))  # trained on the file
    assert {c.init for c in study.embedding_modes(yours) if c.mode != "rand"} == {str(vectors)}


@pytest.mark.slow
def test_make_book_on_a_bad_dataset_or_missing_vectors_fails_before_anything_trains(
    tmp_path, monkeypatch
):
    # a data folder of this test's own: a test on the other worker may be training meanwhile
    data = tmp_path / "data"
    monkeypatch.setenv("W2VCNN_DATA", str(data))
    copy = tracked_copy(tmp_path / "repo")
    one_class = tmp_path / "one_class.csv"
    one_class.write_text("text,label\n" + "".join(f"sentence {i},pos\n" for i in range(40)))
    for variable, problem in (
        ("DATASETS=nowhere.csv", "dataset 'nowhere.csv' (W2VCNN_DATASETS)"),
        ("DATASETS=no-such-name", "dataset 'no-such-name' (W2VCNN_DATASETS)"),
        (f"DATASETS={one_class}", "only one class"),
        ("VECTORS=nowhere.bin", "nowhere.bin (W2VCNN_VECTORS, or make book VECTORS=...) does not"),
    ):
        result = make_book(copy, variable)
        assert result.returncode != 0, variable
        assert problem in result.stderr, result.stderr[-2000:]
    written = [p for p in data.rglob("*") if p.is_file()] if data.exists() else []
    assert written == []  # nothing trained, nothing fetched, nothing cached
    assert not (copy / "_build").exists()
