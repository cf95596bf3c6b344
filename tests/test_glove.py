"""w2vcnn.glove: GloVe 6B's wheel read into words and vectors (a tiny generated wheel stands in
for the 76 MB one); runs that start from GloVe are keyed without fetching it."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from w2vcnn import glove
from w2vcnn._io import DataError
from w2vcnn.config import RunConfig


def fake_wheel(path, words, matrix, leave_out=None):
    buffer = io.BytesIO()
    np.save(buffer, matrix)
    parquet = io.BytesIO()
    pd.DataFrame({"index": words}).to_parquet(parquet)
    members = {glove._MATRIX: buffer.getvalue(), glove._WORDS: parquet.getvalue()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name != leave_out:
                archive.writestr(name, data)
    return path


def test_the_wheel_gives_its_words_in_row_order_and_their_vectors(tmp_path):
    matrix = np.arange(4 * 50, dtype=np.float32).reshape(4, 50)
    wheel = fake_wheel(tmp_path / "g.whl", ["the", ",", "new york", "cat"], matrix)
    words, vectors = glove._read_wheel(wheel)
    assert words == ["the", ",", "cat"]  # a key with a space cannot be a word2vec word
    np.testing.assert_array_equal(vectors, matrix[[0, 1, 3]])
    assert vectors.dtype == np.float32 and vectors.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (dict(leave_out=glove._MATRIX), "is not the GloVe wheel"),
        (dict(matrix=np.zeros((3, 50), dtype=np.float32)), "4 words for a \\(3, 50\\) matrix"),
        (dict(matrix=np.zeros((4, 30), dtype=np.float32)), "expected \\[words, 50\\]"),
    ],
)
def test_a_wheel_that_is_not_glove_is_one_clear_error_naming_it(tmp_path, damage, message):
    args = dict(words=["a", "b", "c", "d"], matrix=np.zeros((4, 50), dtype=np.float32))
    args.update(damage)
    wheel = fake_wheel(tmp_path / "bad.whl", **args)
    before = wheel.read_bytes()
    with pytest.raises(DataError, match=message) as error:
        glove._read_wheel(wheel)
    assert "bad.whl" in str(error.value)
    assert wheel.read_bytes() == before  # the download is left as it was


def test_glove_runs_are_keyed_by_the_pinned_package_without_fetching_it(isolated_data):
    config = RunConfig(mode="static", init="glove", vector_size=50)
    assert config.key and config.vectors_key
    assert config.parts()[1].keyed()["published"]["sha256"] == glove.GLOVE_WHEEL[2]
    # the same vectors for every dataset and fold: one vectors key
    assert RunConfig(mode="static", init="glove", vector_size=50, fold=3).vectors_key == (
        config.vectors_key
    )
    assert not isolated_data.exists()  # nothing was fetched or written to work the keys out
    with pytest.raises(ValueError, match="init 'glove' is GloVe 6B's 50-d vectors"):
        RunConfig(mode="static", init="glove", vector_size=100).validated()
