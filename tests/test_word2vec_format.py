"""w2vcnn.word2vec_format: word2vec files are written atomically and read strictly; a bad file or a
bad call fails by name and leaves every file on disk as it was."""

import gzip
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from conftest import snapshot
from test_embeddings import CORPUS, DIM, EPOCHS
from w2vcnn._io import DataError, sha256_file
from w2vcnn.embeddings import embedding_matrix, random_matrix, train_word2vec
from w2vcnn.text import N_SPECIAL_TOKENS, SPECIAL_TOKENS, Vocab
from w2vcnn.word2vec_format import _sniff, export_vectors, load_vectors, save_vectors


@pytest.fixture(scope="module")
def kv():
    return train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS)


@pytest.fixture
def saved(tmp_path, kv):
    path = tmp_path / "vec.bin"
    save_vectors(kv, path)
    return path


# -------------------------------------------------------------------------------- save and load


def test_save_load_round_trip_is_bit_identical(tmp_path, kv):
    path = tmp_path / "vec.bin"
    returned = save_vectors(kv, path)
    assert returned == sha256_file(path) == Path(f"{path}.sha256").read_text().strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "vec.bin",
        "vec.bin.sha256",
    ]  # no temp files
    loaded = load_vectors(path, expected_dim=DIM)
    assert loaded.index_to_key == kv.index_to_key
    assert loaded.vectors.dtype == np.float32 and loaded.vectors.tobytes() == kv.vectors.tobytes()
    assert loaded.most_similar("sport0", topn=3) == kv.most_similar("sport0", topn=3)
    assert sha256_file(path) == returned  # loading did not touch the file


def test_saved_file_is_what_gensim_writes_and_reads(tmp_path, kv, saved):
    reference = tmp_path / "gensim.bin"
    kv.save_word2vec_format(str(reference), binary=True)
    assert saved.read_bytes() == reference.read_bytes()
    by_gensim = KeyedVectors.load_word2vec_format(str(saved), binary=True)
    assert by_gensim.index_to_key == kv.index_to_key
    assert np.array_equal(by_gensim.vectors, kv.vectors)


def test_loads_text_gzip_and_word2vec_c_layouts(tmp_path, kv, saved):
    text = tmp_path / "vec.txt"
    kv.save_word2vec_format(str(text), binary=False)
    for path in (text, tmp_path / "vec.data"):  # by suffix, then sniffed
        if not path.exists():
            path.write_bytes(text.read_bytes())
        loaded = load_vectors(path)
        assert loaded.index_to_key == kv.index_to_key
        np.testing.assert_allclose(loaded.vectors, kv.vectors, rtol=1e-6)

    gz = tmp_path / "GoogleNews-style.bin.gz"
    gz.write_bytes(gzip.compress(saved.read_bytes()))
    assert load_vectors(gz).vectors.tobytes() == kv.vectors.tobytes()
    cut = tmp_path / "cut.bin.gz"
    cut.write_bytes(gz.read_bytes()[:-100])
    assert_load_fails(cut, "cannot read .*cut.bin.gz")

    # word2vec.c ends every binary record with a newline; gensim does not: both load the same
    header, rest = saved.read_bytes().split(b"\n", 1)
    c_style = tmp_path / "c_style.bin"
    with open(c_style, "wb") as out:
        out.write(header + b"\n")
        for word in kv.index_to_key:
            out.write(word.encode() + b" " + kv[word].tobytes() + b"\n")
    assert load_vectors(c_style).vectors.tobytes() == kv.vectors.tobytes()


def assert_load_fails(path, match, **kwargs):
    """The load raises a DataError naming the file and the problem, and leaves the folder as it
    was."""
    folder = Path(path).parent
    before = snapshot(folder)
    digest_before = sha256_file(path) if Path(path).is_file() else None
    with pytest.raises(DataError, match=match) as info:
        load_vectors(path, **kwargs)
    assert Path(path).name in str(info.value)
    assert snapshot(folder) == before  # nothing modified, no temp file left
    if digest_before is not None:
        assert sha256_file(path) == digest_before
    return info.value


def unprotect(path):
    """Drop the sidecar: a damaged file *with* a sidecar fails its checksum before anything else."""
    Path(f"{path}.sha256").unlink()


def test_truncated_binary(saved):
    unprotect(saved)
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    assert_load_fails(saved, r"data ends inside vector \d+.*truncated or corrupt")


def test_truncated_binary_with_its_sidecar_fails_the_checksum(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    assert_load_fails(saved, r"has sha256 [0-9a-f]{64}, but vec\.bin\.sha256 says")


def test_garbage_bytes_after_a_valid_header(saved):
    unprotect(saved)
    header, body = saved.read_bytes().split(b"\n", 1)
    saved.write_bytes(header + b"\n" + np.random.default_rng(0).bytes(len(body)))
    assert_load_fails(saved, "truncated or corrupt")


def test_garbage_file(tmp_path):
    path = tmp_path / "vec.bin"
    path.write_bytes(np.random.default_rng(1).bytes(5000))
    assert_load_fails(
        path, r"is not a word2vec file: its first line should be '<count> <dimension>'"
    )


def test_text_file_loaded_as_binary(tmp_path, kv):
    path = tmp_path / "vec.txt"
    kv.save_word2vec_format(str(path), binary=False)
    assert_load_fails(path, "looks like a word2vec text file, not binary", binary=True)
    misnamed = tmp_path / "misnamed.bin"
    misnamed.write_bytes(path.read_bytes())
    assert_load_fails(misnamed, r"looks like a word2vec text file, not binary .*\.bin suffix")


def test_binary_file_loaded_as_text(saved):
    assert_load_fails(saved, "looks like a word2vec binary file, not text", binary=False)
    as_vec = saved.with_name("vec.vec")
    as_vec.write_bytes(saved.read_bytes())
    assert_load_fails(as_vec, r"looks like a word2vec binary file, not text .*\.vec suffix")


def test_expected_dim_mismatch(saved):
    assert_load_fails(
        saved, f"vectors have dimension {DIM}, the config asks for 300", expected_dim=300
    )


def test_empty_file(tmp_path):
    path = tmp_path / "vec.bin"
    path.touch()
    assert_load_fails(path, "is empty")


def test_missing_file(tmp_path):
    assert_load_fails(tmp_path / "nowhere.bin", "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_sidecar_mismatch(saved):
    data = bytearray(saved.read_bytes())
    data[-1] ^= 0x01  # one bit of the last vector: structurally fine, but not what was written
    saved.write_bytes(bytes(data))
    assert_load_fails(saved, "vec.bin.sha256 says")


def _rewrite_header(path, count=None, dim=None):
    header, body = path.read_bytes().split(b"\n", 1)
    n, d = map(int, header.split())
    path.write_bytes(f"{count or n} {dim or d}\n".encode() + body)


def test_binary_header_count_disagrees_with_content(saved, kv):
    unprotect(saved)
    _rewrite_header(saved, count=len(kv) + 1)
    assert_load_fails(saved, f"inside vector {len(kv) + 1}.*announces {len(kv) + 1} vectors")
    _rewrite_header(saved, count=len(kv) - 1)
    assert_load_fails(saved, "more data follows the last of the")
    _rewrite_header(saved, count=len(kv), dim=DIM + 1)
    assert_load_fails(saved, "header disagrees with its content")


def test_text_header_disagrees_with_content(tmp_path, kv):
    path = tmp_path / "vec.txt"
    kv.save_word2vec_format(str(path), binary=False)
    _rewrite_header(path, dim=DIM * 2)
    assert_load_fails(path, rf"line 2 \('the'\) has {DIM} numbers.*dimension {DIM * 2}")
    _rewrite_header(path, count=len(kv) + 5, dim=DIM)
    assert_load_fails(path, f"ends after {len(kv)} vectors")
    _rewrite_header(path, count=3)
    assert_load_fails(path, "more lines follow the last of the 3 vectors")


def test_nan_vectors_and_duplicate_words_are_refused(tmp_path):
    nan = tmp_path / "nan.bin"
    nan.write_bytes(
        b"2 2\nok "
        + np.ones(2, np.float32).tobytes()
        + b"bad "
        + np.array([0, np.nan], np.float32).tobytes()
    )
    assert_load_fails(nan, "corrupt: the vector of 'bad' .* NaN")
    dup = tmp_path / "dup.bin"
    dup.write_bytes(
        b"2 2\nw " + np.ones(2, np.float32).tobytes() + b"w " + np.ones(2, np.float32).tobytes()
    )
    assert_load_fails(dup, "the word 'w' appears more than once")


def test_sniff_tells_text_from_binary():
    assert _sniff(b"the 0.5 -1.25\nof 1 2\n", 2) == "text"
    assert _sniff(b"the " + np.array([0.5, -1.25], np.float32).tobytes(), 2) == "binary"
    assert _sniff(b"the", 2) is None  # cut inside the first record: cannot tell


@pytest.mark.parametrize(
    "keys, vectors, match",
    [
        (["ok", "two words"], np.ones((2, 3), np.float32), "cannot store key 'two words'"),
        (["ok", ""], np.ones((2, 3), np.float32), "cannot store key ''"),
        (
            ["ok", "bad"],
            np.array([[1, 1, 1], [1, np.inf, 1]], np.float32),
            r"NaN or inf \(first: 'bad'\)",
        ),
    ],
)
def test_save_refuses_unwritable_vectors_and_keeps_the_old_file(saved, keys, vectors, match):
    bad = KeyedVectors(3)
    bad.index_to_key, bad.vectors = keys, vectors  # bypass add_vectors, which would accept them
    bad.key_to_index = {k: i for i, k in enumerate(keys)}
    before = snapshot(saved.parent)
    with pytest.raises(ValueError, match=match):
        save_vectors(bad, saved)
    assert (
        snapshot(saved.parent) == before
    )  # the earlier file and its sidecar, intact; no temp file
    load_vectors(saved)


# ----------------------------------------------------------------------------------------- export


def test_export_round_trip(tmp_path, kv, saved):
    vocab = Vocab.build(CORPUS[:50], extra_words=["unseen"])
    matrix, _ = embedding_matrix(vocab, kv)
    matrix[2:] += 0.01  # "fine-tuned"
    out = tmp_path / "tuned.bin"
    returned = export_vectors(vocab, matrix, out, source=saved)
    assert returned == sha256_file(out) == Path(f"{out}.sha256").read_text().strip()
    tuned = load_vectors(out)
    assert tuned.index_to_key == vocab.itos[2:]
    assert tuned.vectors.tobytes() == matrix[2:].tobytes()
    assert tuple(vocab.itos[:N_SPECIAL_TOKENS]) == SPECIAL_TOKENS  # the rows left out: not words
    # the vocabulary may also be given as its list of words
    as_list = tmp_path / "as_list.bin"
    assert export_vectors(vocab.itos, matrix, as_list) == returned
    assert as_list.read_bytes() == out.read_bytes()


def test_export_accepts_a_torch_parameter(tmp_path):
    torch = pytest.importorskip("torch")
    vocab = Vocab(Counter(a=2, b=1))
    weight = torch.nn.Parameter(torch.from_numpy(random_matrix(len(vocab), 3)))
    export_vectors(vocab, weight, tmp_path / "t.bin")
    assert np.array_equal(load_vectors(tmp_path / "t.bin").vectors, weight.detach().numpy()[2:])


def test_export_refuses_to_overwrite_the_source(tmp_path, kv, saved):
    vocab = Vocab.build(CORPUS[:50])
    matrix = random_matrix(len(vocab), DIM)
    before = snapshot(tmp_path)
    (tmp_path / "link.bin").symlink_to(saved)
    for target in (saved, tmp_path / "sub" / ".." / "vec.bin", str(saved), tmp_path / "link.bin"):
        with pytest.raises(
            DataError, match=r"refusing to write .*: it is the source vectors file .*vec\.bin"
        ):
            export_vectors(vocab, matrix, target, source=saved)
    (tmp_path / "link.bin").unlink()
    assert snapshot(tmp_path) == before
    assert load_vectors(saved).vectors.tobytes() == kv.vectors.tobytes()


def test_export_refuses_mismatched_matrix(tmp_path):
    vocab = Vocab(Counter(a=2, b=1))
    with pytest.raises(DataError, match=r"tuned\.bin.*shape \(3, 4\) but the vocabulary has 4"):
        export_vectors(vocab, np.zeros((3, 4), np.float32), tmp_path / "tuned.bin")
    bad = random_matrix(len(vocab), 4)
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or inf .*'b'"):
        export_vectors(vocab, bad, tmp_path / "tuned.bin")
    assert list(tmp_path.iterdir()) == []

    # an earlier export at the target survives both refusals, sidecar and all
    export_vectors(vocab, random_matrix(len(vocab), 4), tmp_path / "tuned.bin")
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match="shape"):
        export_vectors(vocab, np.zeros((3, 4), np.float32), tmp_path / "tuned.bin")
    with pytest.raises(ValueError, match="NaN or inf"):
        export_vectors(vocab, bad, tmp_path / "tuned.bin")
    assert snapshot(tmp_path) == before
    load_vectors(tmp_path / "tuned.bin")  # still checks out against its sidecar


# ---------------------------------------------------------------- only the words a task needs


def _write(path, words, rng=None, binary=True):
    """A small vectors file with these words, written by gensim; returns the matrix."""
    vectors = (rng or np.random.default_rng(0)).normal(size=(len(words), 4)).astype(np.float32)
    kv = KeyedVectors(4)
    kv.add_vectors(words, vectors)
    kv.save_word2vec_format(str(path), binary=binary)
    return vectors


@pytest.mark.parametrize("binary", [True, False])
def test_a_vocabulary_keeps_its_words_exact_then_title_then_upper_case(tmp_path, binary):
    path = tmp_path / ("vec.bin" if binary else "vec.txt")
    words = ["filler", "NASA", "Film", "film", "Paris", "PARIS", "the", "other"]
    vectors = _write(path, words, binary=binary)
    before = snapshot(tmp_path)
    kv = load_vectors(path, vocabulary=["paris", "film", "nasa", "the", "absent", "film"])
    assert kv.index_to_key == [
        "paris",
        "film",
        "nasa",
        "the",
    ]  # the vocabulary's order and spelling
    by_word = dict(zip(words, vectors))
    np.testing.assert_array_equal(kv["film"], by_word["film"])  # exact beats "Film"
    np.testing.assert_array_equal(kv["paris"], by_word["Paris"])  # title case beats "PARIS"
    np.testing.assert_array_equal(kv["nasa"], by_word["NASA"])
    assert kv.match_counts == {"exact": 2, "title case": 1, "upper case": 1, "not found": 1}
    assert kv.source_variance == pytest.approx(float(vectors.astype(np.float64).var()))
    assert snapshot(tmp_path) == before  # only ever read


def test_the_random_rows_keep_the_whole_files_variance(tmp_path):
    path = tmp_path / "vec.bin"
    vectors = _write(path, ["a", "b", "c", "d"])
    vectors[0] *= 10  # one word of large vectors changes the file's variance
    kv = KeyedVectors(4)
    kv.add_vectors(["a", "b", "c", "d"], vectors)
    kv.save_word2vec_format(str(path), binary=True)
    subset = load_vectors(path, vocabulary=["b"])
    vocab = Vocab.build([["b", "x"]])
    _, coverage = embedding_matrix(vocab, subset)
    assert coverage.scale == pytest.approx(np.sqrt(3 * vectors.astype(np.float64).var()), rel=1e-6)


def test_a_vocabulary_still_reads_and_checks_the_whole_file(tmp_path):
    path = tmp_path / "vec.bin"
    _write(path, ["a", "b", "c"])
    path.write_bytes(path.read_bytes()[:-5])  # the last vector cut short
    with pytest.raises(DataError, match=r"vec\.bin: the data ends inside vector 3"):
        load_vectors(path, vocabulary=["a"])


def test_a_vocabulary_with_no_match_and_a_duplicate_kept_word_are_refused(tmp_path):
    path = tmp_path / "vec.bin"
    _write(path, ["alpha", "beta"])
    before = snapshot(tmp_path)
    with pytest.raises(
        DataError, match=r"vec\.bin: none of the 2 words asked for .*2 vectors read"
    ):
        load_vectors(path, vocabulary=["gamma", "delta"])
    assert snapshot(tmp_path) == before
    twice = tmp_path / "twice.txt"
    twice.write_text("2 2\nalpha 0.1 0.2\nalpha 0.3 0.4\n")
    with pytest.raises(DataError, match=r"twice\.txt: the word 'alpha' appears more than once"):
        load_vectors(twice, vocabulary=["alpha"])


def test_limit_reads_only_the_first_vectors(tmp_path):
    path = tmp_path / "vec.bin"
    vectors = _write(path, ["a", "b", "c"])
    path.write_bytes(path.read_bytes() + b"trailing garbage that a full load refuses")
    kv = load_vectors(path, limit=2)
    assert kv.index_to_key == ["a", "b"]
    np.testing.assert_array_equal(kv.vectors, vectors[:2])
    with pytest.raises(DataError, match="more data follows"):
        load_vectors(path)
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        load_vectors(path, limit=0)
