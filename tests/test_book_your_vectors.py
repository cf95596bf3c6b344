"""End to end: `make book VECTORS=` trains on a reader's word2vec file and names it on each page."""

import pytest

from bookbuild import chapters, held_prose, make_book, page_text, tracked_copy

pytestmark = pytest.mark.book  # make test runs these after the rest, one at a time


@pytest.mark.slow
def test_make_book_with_your_vectors_uses_and_names_them_on_every_page(tmp_path):
    from gensim.models import Word2Vec

    from w2vcnn import profile, study
    from w2vcnn.data import load_dataset
    from w2vcnn.experiments import is_cached
    from w2vcnn.text import tokenize
    from w2vcnn.word2vec_format import save_vectors

    # a reader's vectors: another dimension than the quick profile's 50, trained on other text
    # (the dataset's first 1,000 sentences, whatever the folds)
    texts = load_dataset("rt-polarity", max_examples=1000).texts
    model = Word2Vec([tokenize(t) for t in texts], vector_size=12, min_count=1, seed=0, workers=1)
    vectors = tmp_path / "my vectors.bin"  # a space in the name, as readers' paths have
    save_vectors(model.wv, vectors)
    copy = tracked_copy(tmp_path / "repo")
    result = make_book(copy, f"VECTORS={vectors}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for chapter in chapters():
        page = (copy / "_build" / "html" / chapter).with_suffix(".html").read_text("utf-8")
        assert "Pretrained vectors: " in page and "vectors.bin" in page, chapter
    # prose held for our own small-corpus vectors ({only-our-vectors}) is left out
    for chapter, _, words in held_prose("only-our-vectors"):
        assert words not in page_text(copy / "_build" / "html", chapter), (chapter, words)
    yours = profile.current("quick", vectors=vectors)
    assert all(is_cached(c) for c in study.embedding_modes(yours))  # trained on the file
    assert {c.init for c in study.embedding_modes(yours) if c.mode != "rand"} == {str(vectors)}
    missing = make_book(copy, "VECTORS=nowhere.bin")
    assert missing.returncode != 0
    assert "nowhere.bin (W2VCNN_VECTORS, or make book VECTORS=...) does not exist" in (
        missing.stderr
    )
