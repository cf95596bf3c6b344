"""General-English text from Debian packages: parsing on small generated .deb files, the pinned
checksum, bad packages, and one real fetch."""

import gzip
import shutil
import subprocess

import pytest

from conftest import snapshot
from w2vcnn import general_corpus
from w2vcnn._io import DataError

GCIDE = """00-database-info
   This file was converted from the original database on:
   Sun Feb 13 2022

Abdication \\Ab`di*ca"tion\\, n. [L. abdicatio: cf. F.
   abdication.]
   The act of abdicating; the renunciation of a high office,
   dignity, or trust, by its holder. --Bailey.
   [1913 Webster]

Abdomen \\Ab*do"men\\, n.
   1. (Anat.) The belly, or that part of the body between the
      thorax and the pelvis.
   [1913 Webster]
"""
WORDNET = (
    "  1 This software and database is being provided to you, the LICENSEE\n"
    "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived or known "
    '(living or nonliving); "the entity was real"\n'
)

needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is missing")


def make_deb(folder, files: dict[str, bytes], name="fixture"):
    """A real .deb (dpkg-deb --build) holding ``files``."""
    root = folder / name
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\n"
        "Description: fixture\n"
    )
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    deb = folder / f"{name}.deb"
    subprocess.run(["dpkg-deb", "--build", str(root), str(deb)], check=True, capture_output=True)
    return deb


@needs_dpkg
def test_gcide_keeps_definitions_and_strips_headwords_tags_and_credits(tmp_path):
    member = general_corpus.SOURCES["gcide"].members[0]
    deb = make_deb(tmp_path, {member: gzip.compress(GCIDE.encode())})
    sentences = list(
        general_corpus.gcide_sentences(general_corpus.read_members(deb, [member])[member])
    )
    assert sentences == [
        "The act of abdicating;",
        "the renunciation of a high office, dignity, or trust, by its holder.",
        "The belly, or that part of the body between the thorax and the pelvis.",
    ]


@needs_dpkg
def test_wordnet_keeps_glosses_and_examples_and_skips_the_licence(tmp_path):
    member = general_corpus.SOURCES["wordnet"].members[0]
    deb = make_deb(tmp_path, {member: WORDNET.encode("latin-1")})
    data = general_corpus.read_members(deb, [member])[member]
    assert list(general_corpus.wordnet_sentences(data)) == [
        "that which is perceived or known (living or nonliving)",
        "the entity was real",
    ]


@needs_dpkg
def test_a_package_without_the_text_or_not_a_package_is_named(tmp_path):
    deb = make_deb(tmp_path, {"usr/share/doc/x": b"x"})
    with pytest.raises(DataError, match=r"fixture.deb lacks usr/share/wordnet/data.noun"):
        general_corpus.read_members(deb, ["usr/share/wordnet/data.noun"])
    garbage = tmp_path / "garbage.deb"
    garbage.write_bytes(b"not an archive")
    with pytest.raises(DataError, match=r"garbage.deb is not a readable .deb"):
        general_corpus.read_members(garbage, ["usr/share/wordnet/data.noun"])


def test_an_unknown_source_names_the_known_ones(isolated_data):
    with pytest.raises(ValueError, match="known: gcide, wordnet"):
        general_corpus.general_sentences("bible")
    assert not isolated_data.exists()


apt = pytest.mark.skipif(shutil.which("apt-get") is None, reason="apt-get is missing")


@apt
@needs_dpkg
def test_a_package_whose_checksum_differs_is_discarded_and_nothing_cached(
    isolated_data, monkeypatch
):
    pinned = general_corpus.SOURCES["wordnet"]
    wrong = general_corpus.DebianText(pinned.package, pinned.version, "0" * 64, pinned.members)
    monkeypatch.setitem(general_corpus.SOURCES, "wordnet", wrong)
    isolated_data.mkdir()
    with pytest.raises(DataError, match="expected 0000.*nothing was cached"):
        general_corpus.general_sentences("wordnet")
    assert snapshot(isolated_data) == {}


@apt
@needs_dpkg
@pytest.mark.slow
def test_wordnet_fetched_from_the_debian_archive(isolated_data):
    sentences = general_corpus.general_sentences("wordnet")
    assert 150_000 < len(sentences) < 200_000
    assert 1_300_000 < sum(map(len, sentences)) < 1_700_000
    assert "he pressed his demand with considerable instancy".split() in sentences
    deb = isolated_data / "downloads" / general_corpus.SOURCES["wordnet"].filename
    assert deb.is_file()  # cached: a second call reads the tokens file
    assert general_corpus.general_sentences("wordnet") == sentences
