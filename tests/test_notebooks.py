"""make notebooks: each chapter as a notebook that installs the package first, and one of them
executed end to end with nbconvert in the quick profile."""

from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from w2vcnn.notebooks import publish_config, write_notebooks

REPO = Path(__file__).resolve().parents[1]
URL = "https://github.com/example/w2vcnn"


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebooks")
    # as the deployment workflow does: the configuration outside the book's folder
    config = publish_config(URL, folder / "publish.yml", source=REPO / "_config.yml")
    return write_notebooks(folder / "out", config=config, root=REPO)


def test_every_chapter_becomes_a_notebook_that_installs_the_package_first(notebooks):
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    chapters = [toc["root"]] + [c["file"] for c in toc["chapters"]]
    assert [p.stem for p in notebooks] == [Path(c).name for c in chapters]
    for path, chapter in zip(notebooks, chapters):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        first = notebook.cells[0]
        assert first.cell_type == "code"
        assert first.source == f'%pip install -q "w2vcnn @ git+{URL}" myst-nb'
        assert "torch" not in first.source and "tensorflow" not in first.source
        # the chapter's own cells follow, unchanged, without outputs
        source = jupytext.read(REPO / f"{chapter}.md")
        assert [c.source for c in notebook.cells[1:]] == [c.source for c in source.cells]
        assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")


# The house rule: a chapter's code lines fit in 80 characters (the code box shows 83 at 13 px in
# the theme's narrowest desktop column; the browser test finds overflow, this finds it at once)
CODE_LINE = 80


def test_every_chapter_code_line_fits_the_text_column():
    long = []
    for chapter in sorted((REPO / "book").glob("*.md")):
        notebook = jupytext.read(chapter)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                long += [f"{chapter.name}: {line}" for line in cell.source.splitlines()
                         if len(line) > CODE_LINE]  # fmt: skip
    assert not long, long


def test_a_configuration_without_a_repository_address_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(ValueError, match="has no repository.url"):
        write_notebooks(tmp_path / "out", config=REPO / "_config.yml", root=REPO)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_chapter_notebook_runs_top_to_bottom_in_the_quick_profile(notebooks, monkeypatch):
    # nbclient is the engine of `jupyter nbconvert --execute`, without nbconvert's exporters
    from nbclient import NotebookClient

    monkeypatch.setenv("W2VCNN_PROFILE", "quick")
    intro = nbformat.read(notebooks[0], as_version=4)
    intro.cells = intro.cells[1:]  # offline, the package is already installed here
    NotebookClient(intro, timeout=1200, kernel_name="python3").execute()
    code = [c for c in intro.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    assert "quick" in str(code[0].outputs)  # the profile note: the profile reached the kernel
