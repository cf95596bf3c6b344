"""w2vcnn.directives: prose held in {only-our-datasets} is on the page when the book runs on our
datasets, and left out when it runs on others."""

import subprocess
import sys
from pathlib import Path

import pytest

from w2vcnn import profile

PAGE = """# A page

Said of every dataset.

:::{only-our-datasets}
Said of rt-polarity only.
:::

:::{only-our-vectors}
Said of our small-corpus vectors only.
:::
"""


def build_text(source: Path, output: Path) -> str:
    """``index.md`` (:data:`PAGE`) built as text by Sphinx with MyST and our directive, warnings
    as errors (a process of its own: Sphinx registers its nodes once per process)."""
    (source / "conf.py").write_text(
        "extensions = ['myst_parser', 'w2vcnn.directives']\n"
        "myst_enable_extensions = ['colon_fence']\n"
    )
    (source / "index.md").write_text(PAGE)
    command = [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "text", source, output]
    subprocess.run(command, check=True, capture_output=True)
    return (output / "index.txt").read_text()


@pytest.mark.parametrize("datasets, shown", [(None, True), ("mr trec", False)])
def test_only_our_datasets_shows_its_prose_only_for_ours(tmp_path, monkeypatch, datasets, shown):
    monkeypatch.delenv(profile.DATASETS_ENV, raising=False)
    if datasets:
        monkeypatch.setenv(profile.DATASETS_ENV, datasets)
    (tmp_path / "src").mkdir()
    text = build_text(tmp_path / "src", tmp_path / "out")
    assert "Said of every dataset." in text
    assert ("Said of rt-polarity only." in text) is shown


@pytest.mark.parametrize("yours, shown", [(False, True), (True, False)])
def test_only_our_vectors_shows_its_prose_only_for_ours(tmp_path, monkeypatch, yours, shown):
    monkeypatch.delenv(profile.DATASETS_ENV, raising=False)
    monkeypatch.delenv(profile.VECTORS_ENV, raising=False)
    if yours:
        vectors = tmp_path / "GoogleNews.bin"
        vectors.write_bytes(b"1 2\n")  # named, never read: only the profile knows of it
        monkeypatch.setenv(profile.VECTORS_ENV, str(vectors))
    (tmp_path / "src").mkdir()
    text = build_text(tmp_path / "src", tmp_path / "out")
    assert ("Said of our small-corpus vectors only." in text) is shown
    assert "Said of rt-polarity only." in text  # our datasets either way


def test_a_page_loads_each_script_once_and_keeps_every_different_one():
    from sphinx.builders.html._assets import _JavaScript

    from w2vcnn.directives import _one_copy_of_each_script

    settings = 'const THEBE_JS_URL = "thebe.js";'
    scripts = [
        _JavaScript("", body=settings, priority=500),
        _JavaScript("_static/sphinx-thebe.js", priority=500),
        _JavaScript(None, body=settings, priority=800),  # Jupyter Book 1's second copy
        _JavaScript("", body="const other = 1;"),
        "_static/plain.js",
    ]
    page_scripts = list(scripts)  # the builder's own list, which later handlers still add to
    context = {"script_files": page_scripts}
    _one_copy_of_each_script(None, "page", "page.html", context, None)
    assert context["script_files"] is page_scripts
    assert page_scripts == [scripts[0], scripts[1], scripts[3], scripts[4]]
