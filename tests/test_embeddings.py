import gzip
import hashlib
import math
import os
import random
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from conftest import snapshot
from w2vcnn._io import DataError, sha256_file
from w2vcnn.embeddings import (Coverage, TrainingStats, embedding_matrix, export_vectors,
                               load_vectors, random_matrix, save_vectors, train_word2vec)
from w2vcnn.text import Vocab

SRC = Path(__file__).resolve().parents[1] / "src"
DIM = 16
EPOCHS = 10


def make_corpus(n_sentences=600, seed=0):
    """Two 'topics' with their own words plus shared function words: enough structure to learn."""
    rng = random.Random(seed)
    topics = [[f"sport{i}" for i in range(40)], [f"food{i}" for i in range(40)]]
    common = ["the", "a", "of", "and", "is"]
    return [[rng.choice(topics[s % 2] if rng.random() < 0.7 else common) for _ in range(10)]
            for s in range(n_sentences)]


CORPUS = make_corpus()


@pytest.fixture(scope="module")
def kv():
    return train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS)


@pytest.fixture
def saved(tmp_path, kv):
    path = tmp_path / "vec.bin"
    save_vectors(kv, path)
    return path


def digest(kv):
    return hashlib.sha256(kv.vectors.tobytes() + "\n".join(kv.index_to_key).encode()).hexdigest()


# ------------------------------------------------------------------------------------- training


def test_skipgram_and_cbow_train_different_vectors(kv):
    cbow = train_word2vec(CORPUS, sg=0, vector_size=DIM, epochs=EPOCHS)
    assert kv.index_to_key == cbow.index_to_key and kv.vectors.shape == (85, DIM)
    assert not np.array_equal(kv.vectors, cbow.vectors)
    for model, sg in [(kv, 1), (cbow, 0)]:
        stats = model.training_stats
        assert isinstance(stats, TrainingStats) and stats.sg == sg
        assert stats.raw_words == EPOCHS * sum(map(len, CORPUS))
        assert 0 < stats.effective_words <= stats.raw_words
        assert stats.seconds == model.training_seconds > 0 and stats.words_per_second > 0
        assert ("skip-gram" if sg else "CBOW") in str(stats)
    # the topics are learned: a sport word's neighbours are sport words
    assert sum(w.startswith("sport") for w, _ in kv.most_similar("sport0", topn=5)) >= 4


def test_same_seed_same_vectors_other_seed_different(kv):
    again = train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS)
    assert again.index_to_key == kv.index_to_key
    assert again.vectors.tobytes() == kv.vectors.tobytes()
    other = train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS, seed=1)
    assert not np.array_equal(other.vectors, kv.vectors)


def test_training_is_deterministic_across_processes_and_hash_seeds(kv):
    script = (
        "import hashlib, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from test_embeddings import CORPUS, DIM, EPOCHS, digest\n"
        "from w2vcnn.embeddings import train_word2vec\n"
        "print(digest(train_word2vec(CORPUS, vector_size=DIM, epochs=EPOCHS)))\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
        result = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent)],
                                env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        digests.add(result.stdout.strip())
    assert digests == {digest(kv)}


@pytest.mark.parametrize("kwargs, match", [
    (dict(sg=2), "sg must be 1"),
    (dict(vector_size=0), "vector_size must be a positive integer"),
    (dict(epochs=1.5), "epochs must be a positive integer"),
    (dict(sample=-0.1), "sample"),
    (dict(min_count=10_000), "empty vocabulary"),
])
def test_train_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_word2vec(CORPUS[:20], **{"vector_size": DIM, "epochs": 1, **kwargs})


@pytest.mark.parametrize("corpus, match", [
    (iter(CORPUS), "one-shot iterator"),
    ([], "empty"),
    (["a sentence that was not tokenized"], "tokenize"),
])
def test_train_rejects_bad_corpora(corpus, match):
    with pytest.raises(ValueError, match=match):
        train_word2vec(corpus, vector_size=DIM, epochs=1)


# -------------------------------------------------------------------------------- save and load


def test_save_load_round_trip_is_bit_identical(tmp_path, kv):
    path = tmp_path / "vec.bin"
    returned = save_vectors(kv, path)
    assert returned == sha256_file(path) == Path(f"{path}.sha256").read_text().strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vec.bin", "vec.bin.sha256"]  # no temp files
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
    """The load raises a DataError naming the file and the problem, and leaves the folder as it was."""
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
    assert_load_fails(path, r"is not a word2vec file: its first line should be '<count> <dimension>'")


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
    assert_load_fails(saved, f"vectors have dimension {DIM}, the config asks for 300", expected_dim=300)


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
    assert_load_fails(saved, f"header disagrees with its content")


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
    nan.write_bytes(b"2 2\nok " + np.ones(2, np.float32).tobytes()
                    + b"bad " + np.array([0, np.nan], np.float32).tobytes())
    assert_load_fails(nan, "corrupt: the vector of 'bad' .* NaN")
    dup = tmp_path / "dup.bin"
    dup.write_bytes(b"2 2\nw " + np.ones(2, np.float32).tobytes() + b"w " + np.ones(2, np.float32).tobytes())
    assert_load_fails(dup, "the word 'w' appears more than once")


# ------------------------------------------------------------------------------ embedding matrix


def small_case():
    """vocab: <pad> <unk> a(4) b(3) x(2) c z ; vectors know a, c and an unrelated q."""
    vocab = Vocab(Counter(a=4, b=3, x=2), extra_words=["c", "z"])
    kv = KeyedVectors(4)
    kv.add_vectors(["a", "c", "q"], np.arange(12, dtype=np.float32).reshape(3, 4) / 10 - 0.5)
    return vocab, kv


def test_embedding_matrix_rows():
    vocab, kv = small_case()
    with pytest.warns(UserWarning):
        matrix, coverage = embedding_matrix(vocab, kv, seed=3)
    a = math.sqrt(3 * np.var(kv.vectors, dtype=np.float64))
    assert matrix.dtype == np.float32 and matrix.shape == (len(vocab), 4)
    assert not matrix[0].any()
    for word in ("a", "c"):
        assert np.array_equal(matrix[vocab[word]], kv[word])
    random_rows = [vocab.unk_index] + [vocab[w] for w in ("b", "x", "z")]
    assert np.all(np.abs(matrix[random_rows]) <= np.float32(a))
    assert np.array_equal(matrix[random_rows], random_matrix(len(vocab), 4, seed=3, scale=a)[random_rows])
    assert coverage.scale == pytest.approx(a)


def test_embedding_matrix_is_a_copy():
    vocab, kv = small_case()
    before = kv.vectors.copy()
    with pytest.warns(UserWarning):
        matrix, _ = embedding_matrix(vocab, kv)
    assert not np.shares_memory(matrix, kv.vectors)
    matrix += 1.0
    assert np.array_equal(kv.vectors, before)


def test_coverage_numbers_and_warning():
    vocab, kv = small_case()
    with pytest.warns(UserWarning, match=r"vectors cover only 44\.4% of the training tokens \(2 of 5 words, 40\.0% of the vocabulary"):
        _, coverage = embedding_matrix(vocab, kv, scale=0.1)
    assert coverage == Coverage(n_words=5, n_found=2, type_coverage=0.4, token_coverage=4 / 9, scale=0.1)
    assert "2 of 5 words" in str(coverage) and "40.0% of types" in str(coverage)


def test_no_warning_with_good_coverage(kv):
    vocab = Vocab.build(CORPUS[:50])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        matrix, coverage = embedding_matrix(vocab, kv)
    assert coverage.type_coverage == coverage.token_coverage == 1.0
    assert np.array_equal(matrix[2:], kv.vectors[[kv.key_to_index[w] for w in vocab.itos[2:]]])


def test_random_matrix():
    matrix = random_matrix(50, 8, seed=1)
    assert matrix.dtype == np.float32 and matrix.shape == (50, 8)
    assert not matrix[0].any() and matrix[1:].all()
    assert np.abs(matrix).max() <= 0.25
    assert np.array_equal(matrix, random_matrix(50, 8, seed=1))
    assert not np.array_equal(matrix, random_matrix(50, 8, seed=2))
    with pytest.raises(ValueError, match="scale must be positive"):
        random_matrix(5, 8, scale=0)


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
        with pytest.raises(DataError, match=r"refusing to write .*: it is the source vectors file .*vec\.bin"):
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
