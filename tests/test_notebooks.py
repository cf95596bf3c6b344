"""make notebooks: each chapter as a notebook that installs the package first, and one of them
executed end to end with nbconvert in the quick profile; the chapters executed for the build, one
kernel per core, where jupyter-book finds them."""

import subprocess
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from bookbuild import JUPYTER_BOOK, REPO
from w2vcnn.notebooks import ChapterError, execute_chapters, publish_config, write_notebooks

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
@pytest.mark.book  # after the quick book's build, whose runs it reads (cold, it trains them)
def test_a_chapter_notebook_runs_top_to_bottom_in_the_quick_profile(notebooks, monkeypatch):
    # nbclient is the engine of `jupyter nbconvert --execute`, without nbconvert's exporters
    from nbclient import NotebookClient

    monkeypatch.setenv("W2VCNN_PROFILE", "quick")
    # Beyond, the chapter that executes fastest (the site test executes them all from the .md)
    beyond = nbformat.read(next(p for p in notebooks if p.stem == "beyond"), as_version=4)
    beyond.cells = beyond.cells[1:]  # offline, the package is already installed here
    NotebookClient(beyond, timeout=1200, kernel_name="python3").execute()
    code = [c for c in beyond.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    assert "quick" in str(code[0].outputs)  # the profile note: the profile reached the kernel


def tiny_book(root: Path, *cells: str) -> Path:
    """A book of one chapter per code cell, configured as ours (cached execution)."""
    root.mkdir()
    (root / "_config.yml").write_text((REPO / "_config.yml").read_text())
    names = [f"page{i}" for i in range(len(cells))]
    toc = {"format": "jb-book", "root": names[0]}
    if names[1:]:
        toc["chapters"] = [{"file": name} for name in names[1:]]
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    top = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
    top += "  name: python3\n  display_name: Python 3\n---\n"
    for name, cell in zip(names, cells):
        text = f"{top}# {name}\n\n```{{code-cell}} ipython3\n{cell}\n```\n"
        (root / f"{name}.md").write_text(text)
    return root


def build_messages(root: Path) -> str:
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(root)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout + result.stderr


@pytest.mark.slow
def test_chapters_executed_for_the_build_are_the_ones_jupyter_book_reads(tmp_path, monkeypatch):
    import os

    where = "import os\nprint(os.getcwd(), 'threads=' + os.environ['OMP_NUM_THREADS'])"
    root = tiny_book(tmp_path / "book", "print(6 * 7)", where)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert execute_chapters(root) == ["page0", "page1"]
    assert "OMP_NUM_THREADS" not in os.environ  # one thread for the kernels, not the caller
    assert execute_chapters(root) == []  # cached: nothing executed twice
    messages = build_messages(root)
    assert "Executing notebook" not in messages
    assert messages.count("Using cached notebook") == 2
    page = (root / "_build" / "html" / "page1.html").read_text()
    assert str(root) in page  # executed where the build executes it: the chapter's folder
    assert "threads=1" in page  # a kernel of one thread per core
    assert "42" in (root / "_build" / "html" / "page0.html").read_text()


@pytest.mark.slow
def test_a_failing_chapter_is_named_with_its_error_and_nothing_of_it_is_cached(tmp_path):
    root = tiny_book(tmp_path / "book", "print('fine')", "raise RuntimeError('page 1 is broken')")
    with pytest.raises(ChapterError, match=r"(?s)page1\.md: a cell failed.*page 1 is broken"):
        execute_chapters(root)
    from jupyter_cache import get_cache

    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    executed = {Path(record.uri).name for record in cache.list_cache_records()}
    assert executed == {"page0.md"}  # the good chapter kept, the broken one not cached


@pytest.mark.slow
def test_a_chapter_served_from_the_cache_downloads_with_its_outputs(tmp_path):
    # the book's Sphinx extension (w2vcnn.directives) puts them back, which myst-nb leaves out
    root = tiny_book(tmp_path / "book", "print(6 * 7)")
    execute_chapters(root)
    assert "Using cached notebook" in build_messages(root)
    # what the page offers for download (the site's own check: tests/test_book.py)
    notebook = nbformat.read(root / "_build" / "jupyter_execute" / "page0.ipynb", as_version=4)
    (code,) = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code.outputs[0]["text"] == "42\n"
