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


def glued_notebook(verdicts: dict[str, str], markdown: str) -> dict:
    """A notebook whose one code cell glued ``verdicts`` (as ``myst_nb.glue(name, text,
    display=False)`` leaves them), then ``markdown``: built with execution off, nothing runs."""
    outputs = [
        {
            "output_type": "display_data",
            "data": {"application/papermill.record/text/plain": repr(text)},
            "metadata": {
                "scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}
            },
        }
        for name, text in verdicts.items()
    ]
    code = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "glue",
        "metadata": {},
        "outputs": outputs,
        "source": "glue(...)",
    }
    prose = {"cell_type": "markdown", "id": "prose", "metadata": {}, "source": markdown}
    return {
        "cells": [code, prose],
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3"},
            "language_info": {"name": "python"},
        },
    }


VERDICT_PAGE = """# A page

Always said.

:::{when-verdict} up_verdict is higher
Said when up is higher.
:::

:::{when-verdict} up_verdict is lower or no clear difference
Said when up is not higher.
:::

:::{when-verdict} up_verdict is higher and flat_verdict is no clear difference
Said when up is higher and flat is flat.
:::

:::{when-verdict} flat_verdict is not no clear difference
Said when flat moved.
:::
"""


def build_notebook_text(source: Path, output: Path, notebook: dict):
    """``index.ipynb`` built as text by Sphinx with myst-nb (execution off), warnings as errors."""
    import json

    (source / "conf.py").write_text(
        "extensions = ['myst_nb', 'w2vcnn.directives']\n"
        "myst_enable_extensions = ['colon_fence']\n"
        "nb_execution_mode = 'off'\n"
    )
    (source / "index.ipynb").write_text(json.dumps(notebook))
    command = [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "text", source, output]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.parametrize(
    "up, shown",
    [
        ("higher", {"Said when up is higher.", "Said when up is higher and flat is flat."}),
        (
            "higher (exploratory)",
            {"Said when up is higher.", "Said when up is higher and flat is flat."},
        ),
        ("no clear difference", {"Said when up is not higher."}),
        ("lower (exploratory)", {"Said when up is not higher."}),
    ],
)
def test_when_verdict_shows_its_prose_exactly_when_the_glued_verdict_holds(tmp_path, up, shown):
    (tmp_path / "src").mkdir()
    notebook = glued_notebook(
        {"up_verdict": up, "flat_verdict": "no clear difference"}, VERDICT_PAGE
    )
    result = build_notebook_text(tmp_path / "src", tmp_path / "out", notebook)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "index.txt").read_text()
    assert "Always said." in text
    said = {line.strip() for line in text.splitlines() if line.startswith("Said")}
    assert said == shown


@pytest.mark.parametrize(
    "argument, error",
    [
        ("missing_verdict is higher", "'missing_verdict' is not glued on this page"),
        ("up_verdict is better", "up_verdict: 'better' is not an outcome"),
        ("up_verdict higher", "'up_verdict higher' is not 'NAME is [not] OUTCOME"),
    ],
)
def test_when_verdict_stops_the_build_on_a_name_or_outcome_no_test_gives(tmp_path, argument, error):
    (tmp_path / "src").mkdir()
    page = f"# A page\n\n:::{{when-verdict}} {argument}\nSaid.\n:::\n"
    notebook = glued_notebook({"up_verdict": "higher"}, page)
    result = build_notebook_text(tmp_path / "src", tmp_path / "out", notebook)
    assert result.returncode != 0
    assert "index.ipynb" in result.stderr and f"when-verdict: {error}" in result.stderr
    assert not (tmp_path / "out" / "index.txt").exists()


def test_verdict_conditions_read_names_negations_and_alternatives():
    from w2vcnn.directives import direction, verdict_conditions

    assert verdict_conditions("a_verdict is not lower or no clear difference and b is higher") == [
        ("a_verdict", True, frozenset({"lower", "no clear difference"})),
        ("b", False, frozenset({"higher"})),
    ]
    assert direction("lower (exploratory)") == "lower"
    with pytest.raises(ValueError, match="'equal' is not a verdict"):
        direction("equal")
