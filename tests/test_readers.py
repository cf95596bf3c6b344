"""w2vcnn.readers: each file layout (Kim's canonical files, CSV, `label text` lines) read from tiny
generated fixtures; bad files give one clear error and stay as they were."""

import io
import tarfile

import numpy as np
import pytest

from conftest import snapshot
from w2vcnn import protocol
from w2vcnn._io import DataError
from w2vcnn.data import load_dataset
from w2vcnn.splits import Split

# ------------------------------------------------------- canonical formats, tiny generated fixtures


def _write(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        (folder / name).write_bytes(payload)
    return folder


MR_FILES = {
    # 0x85 is an ellipsis in cp1252: it must not split the line
    "rt-polarity.pos": b"a gorgeous , witty film \x85 truly .\nthe best of the year .\nlovely .\n",
    "rt-polarity.neg": b"a mess .\nboring and \x93 flat \x94 .\n",
}


def test_mr_from_a_folder_in_the_original_format(tmp_path):
    ds = load_dataset("mr", path=_write(tmp_path / "rt-polaritydata", MR_FILES))
    assert len(ds) == 5 and ds.label_names == ["negative", "positive"]
    assert "a gorgeous , witty film \u2026 truly ." in ds.texts
    assert ds.texts[ds.labels.tolist().index(0)] == "a mess ."


def test_mr_from_the_tarball_and_by_layout_detection(tmp_path):
    archive = tmp_path / "rt-polarity.v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, payload in MR_FILES.items():
            info = tarfile.TarInfo("rt-polaritydata/" + name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    assert len(load_dataset("mr", path=archive)) == 5
    assert load_dataset(archive).name == "mr"  # a path alone: the layout names the dataset


def test_subj_original_format(tmp_path):
    folder = _write(
        tmp_path,
        {
            "quote.tok.gt9.5000": b"i loved every minute of this odd little film .\n" * 3,
            "plot.tok.gt9.5000": b"a man travels to paris to find his lost brother .\n" * 3,
        },
    )
    ds = load_dataset("subj", path=folder)
    assert np.bincount(ds.labels).tolist() == [3, 3] and ds.label_names == [
        "objective",
        "subjective",
    ]


def test_trec_coarse_labels_and_given_split(tmp_path):
    train = "".join(
        f"{c}:x{i} What is question {i} ?\n" for i in range(20) for c in ("DESC", "HUM")
    ).encode()
    folder = _write(
        tmp_path,
        {
            "train_5500.label": train + b"LOC:city Where is Z\xfcrich ?\n",
            "TREC_10.label": b"NUM:date When was it ?\nHUM:ind Who is he ?\n",
        },
    )
    ds = load_dataset("trec", path=folder)
    assert ds.split is Split.GIVEN and ds.label_names == ["DESC", "HUM", "LOC", "NUM"]
    assert [ds.texts[i] for i in ds.test] == ["When was it ?", "Who is he ?"]
    assert len(ds.dev) == 4 and len(ds.train) == 37  # 10% of train per class becomes dev
    assert "Where is Z\u00fcrich ?" in ds.texts


def test_sst2_uses_its_own_three_parts(tmp_path):
    folder = _write(
        tmp_path,
        {
            f"stsa.binary.{p}": f"1 good {p}\n0 bad {p}\n1 fine {p}\n".encode()
            for p in ("train", "dev", "test")
        },
    )
    ds = load_dataset("sst2", path=folder)
    assert (len(ds.train), len(ds.dev), len(ds.test)) == (3, 3, 3)
    assert [ds.texts[i] for i in ds.dev] == ["good dev", "bad dev", "fine dev"]
    assert ds.labels[ds.dev].tolist() == [1, 0, 1]


@pytest.mark.parametrize("name, filename", [("cr", "custrev.all"), ("mpqa", "mpqa.all")])
def test_label_text_lines_datasets(tmp_path, name, filename):
    lines = "".join(f"{i % 2} sentence number {i}\n" for i in range(30)).encode() + b"1 \n"
    ds = load_dataset(name, path=_write(tmp_path, {filename: lines}))
    assert len(ds) == 30 and ds.label_names == ["0", "1"] and ds.texts[0] == "sentence number 0"
    # the bare file, given by path, is recognised as Kim's dataset (latin-1, as in the folder)
    bare = tmp_path / "bare" / filename
    bare.parent.mkdir()
    bare.write_bytes(lines.replace(b"number 3", "num\xe9ro 3".encode("latin-1")))
    ds = load_dataset(bare)
    assert ds.name == name and len(ds) == 30 and ds.texts[3] == "sentence num\xe9ro 3"
    assert protocol.name_of(str(bare)) == name and protocol.kim_name(str(bare)) == name.upper()


def test_own_csv_with_named_columns(tmp_path):
    csv_file = tmp_path / "reviews.csv"
    csv_file.write_text(
        'review,stars\n"great, really",pos\nawful,neg\nfine,pos\nmeh,neg\n', encoding="utf-8"
    )
    ds = load_dataset(csv_file, text_column="review", label_column="stars", split="holdout")
    assert ds.name == "reviews" and ds.label_names == ["neg", "pos"] and "great, really" in ds.texts


def test_own_csv_with_a_split_column_keeps_its_split(tmp_path):
    rows = [("nice", "pos"), ("bad", "neg")] * 10
    parts = (
        ["train"] * 14 + ["Test "] * 4 + ["dev"] * 2
    )  # case and spaces as spreadsheets leave them
    csv_file = tmp_path / "split.csv"
    csv_file.write_text(
        "text,label,split\n"
        + "".join(f"{t} {i},{y},{s}\n" for i, ((t, y), s) in enumerate(zip(rows, parts))),
        encoding="utf-8",
    )
    ds = load_dataset(csv_file)  # auto: its own split
    assert ds.split is Split.GIVEN
    assert (len(ds.train), len(ds.dev), len(ds.test)) == (14, 2, 4)
    assert [ds.texts[i] for i in ds.test] == [f"{t} {i}" for i, (t, _) in enumerate(rows)][14:18]
    folds = load_dataset(csv_file, split="kfold", fold=0, k=2)  # Kim's folds, if asked for
    assert len(folds.test) == 10


def test_own_label_text_lines(tmp_path):
    lines = tmp_path / "mine.txt"
    lines.write_text(
        "spam buy now\nham see you at noon\nspam cheap pills\nham lunch ?\n", encoding="utf-8"
    )
    ds = load_dataset(lines)
    assert ds.label_names == ["ham", "spam"] and len(ds) == 4


# -------------------------------------------------------- bad input: a clear error, nothing changed


def _assert_unchanged(folder, before):
    assert snapshot(folder) == before


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.csv: empty file"):
        load_dataset(empty)
    assert empty.read_bytes() == b""


def test_missing_label_column_names_the_columns(tmp_path):
    csv_file = tmp_path / "nolabel.csv"
    csv_file.write_text("text,score\nnice,1\nbad,0\n", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(
        DataError,
        match=r"nolabel\.csv: column\(s\) \['label'\] not found; columns are \['text', 'score'\]",
    ):
        load_dataset(csv_file)
    _assert_unchanged(tmp_path, before)


@pytest.mark.parametrize(
    "content, message",
    [
        ('text,label\n"unterminated,pos\nbad,neg\ngood,pos\n', r"line 2: unexpected end of data"),
        (
            "text,label\nnice film,pos\nbad,neg,extra\n",
            r"line 3: 3 field\(s\) where the header has 2",
        ),
        ("text,label\nnice film,pos\nbad\n", r"line 3: 1 field\(s\) where the header has 2"),
    ],
)
def test_a_malformed_csv_row_is_named_by_its_line(tmp_path, content, message):
    csv_file = tmp_path / "broken.csv"
    csv_file.write_text(content, encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match=r"broken\.csv " + message):
        load_dataset(csv_file)
    _assert_unchanged(tmp_path, before)


def test_a_split_column_with_another_value_is_named(tmp_path):
    csv_file = tmp_path / "parts.csv"
    csv_file.write_text("text,label,split\nnice,pos,train\nbad,neg,validation\n", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(
        DataError,
        match=r"parts\.csv: column 'split' holds \['validation'\]; each row's split must be one of "
        r"train, dev, test",
    ):
        load_dataset(csv_file)
    _assert_unchanged(tmp_path, before)


def test_single_class(tmp_path):
    csv_file = tmp_path / "onlypos.csv"
    csv_file.write_text("text,label\nnice,pos\ngreat,pos\n", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match=r"onlypos\.csv: only one class \('pos'\)"):
        load_dataset(csv_file)
    _assert_unchanged(tmp_path, before)


def test_non_utf8_csv(tmp_path):
    csv_file = tmp_path / "latin.csv"
    csv_file.write_bytes("text,label\ncaf\u00e9 au lait,pos\nbad,neg\n".encode("latin-1"))
    before = snapshot(tmp_path)
    with pytest.raises(
        DataError, match=r"latin\.csv is not valid utf-8 \(byte 0xe9 at offset \d+\)"
    ):
        load_dataset(csv_file)
    _assert_unchanged(tmp_path, before)
    assert "caf\u00e9 au lait" in load_dataset(csv_file, encoding="latin-1").texts


def test_malformed_trec_line(tmp_path):
    folder = _write(
        tmp_path,
        {
            "train_5500.label": b"DESC:manner How ?\nno label here\n",
            "TREC_10.label": b"NUM:date When ?\n",
        },
    )
    before = snapshot(tmp_path)
    with pytest.raises(
        DataError, match=r"train_5500\.label line 2: expected 'COARSE:fine question'"
    ):
        load_dataset("trec", path=folder)
    _assert_unchanged(tmp_path, before)


def test_folder_without_a_known_layout(tmp_path):
    folder = _write(tmp_path / "stuff", {"notes.md": b"hello"})
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match=r"stuff: no known dataset layout inside"):
        load_dataset(folder)
    _assert_unchanged(tmp_path, before)
