"""The chapters as Jupyter notebooks: executed for the build, one kernel per core
(:func:`execute_chapters`); written out for Colab and Jupyter (:func:`write_notebooks`); and the
published site's configuration, whose repository address their first cell installs the package
from."""

from __future__ import annotations

import os
from pathlib import Path

from ._io import atomic_write


def publish_config(
    repository_url: str,
    out: Path,
    branch: str = "main",
    source: Path = Path("_config.yml"),
    notebooks_branch: str | None = None,
) -> Path:
    """``_config.yml`` plus what only a published site can know: the repository's address, its
    repository and issues buttons, and launch buttons (which also make every page offer its
    executed ``.ipynb`` for download), added to ``source`` and written to ``out``, for
    ``make book CONFIG=out``. The deployment workflow passes the address GitHub gives it, so no
    address is written by hand.

    Colab opens only ``.ipynb`` files of a repository. With ``notebooks_branch``, the launch
    buttons point at that branch, where the workflow commits each chapter as a notebook beside
    its ``.md`` (:func:`write_notebooks` into ``book/``); the theme links a page's ``.ipynb`` when
    one lies beside its source at build time, and those notebooks are kept out of the build."""
    import yaml

    if not repository_url.startswith("https://"):
        raise ValueError(f"repository_url must be an https:// address, got {repository_url!r}")
    config = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    config["repository"] = {
        "url": repository_url,
        "branch": notebooks_branch or branch,
        "path_to_book": "",
    }
    if notebooks_branch:
        notebooks = [f"{chapter}.ipynb" for chapter in _chapters(Path(source).parent)]
        config["exclude_patterns"] = [*config.get("exclude_patterns", []), *notebooks]
    config.setdefault("html", {}).update(use_repository_button=True, use_issues_button=True)
    config["launch_buttons"] = {
        "notebook_interface": "classic",
        "colab_url": "https://colab.research.google.com",
    }
    with atomic_write(out, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False, allow_unicode=True)
    return Path(out)


def write_notebooks(
    folder, config: Path = Path("_config.yml"), root: Path = Path(".")
) -> list[Path]:
    """Every chapter of the book at ``root`` (its ``_toc.yml``) as a Jupyter notebook (cells as
    in the chapter, no outputs), for Colab and Jupyter users, written to ``folder``.

    The first cell installs this package from the repository named by ``config``'s
    ``repository.url`` (see :func:`publish_config`), plus myst-nb for the chapters' ``glue``. It
    pins neither torch nor TensorFlow: Colab's own builds stay in place, as pinned installs there
    break with every Colab update.
    """
    import jupytext
    import nbformat
    import yaml

    settings = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    url = (settings.get("repository") or {}).get("url")
    if not url:
        raise ValueError(
            f"{config} has no repository.url: pass the published site's configuration "
            "(notebooks.publish_config), which has"
        )
    chapters = _chapters(Path(root))
    install = nbformat.v4.new_code_cell(f'%pip install -q "w2vcnn @ git+{url}" myst-nb')
    install.metadata["tags"] = ["install"]
    written = []
    folder = Path(folder)
    for chapter in chapters:
        notebook = jupytext.read(Path(root) / f"{chapter}.md")
        notebook.cells.insert(0, install)
        nbformat.validate(notebook)
        path = folder / f"{Path(chapter).name}.ipynb"
        with atomic_write(path, "w", encoding="utf-8") as out:
            nbformat.write(notebook, out)
        written.append(path)
    return written


class ChapterError(RuntimeError):
    """A chapter's cell failed while it was executed for the build."""


def execute_chapters(root: Path = Path("."), output: Path | None = None) -> list[str]:
    """Execute each chapter of the book at ``root`` whose executed notebook is not cached yet,
    one kernel of one thread per core at once (as the runs train: a kernel that spawned a thread
    per core would fight the others), into the cache that ``jupyter-book build`` reads (that of
    ``--path-output output``; ``root``'s own without it), so that the build executes none itself
    (it executes one at a time). The chapters executed, in ``_toc.yml`` order; a failing cell
    raises :class:`ChapterError` naming its chapter, with the traceback, and caches nothing of it.

    The notebooks are read as the build reads them (myst-nb's reader), and the cache matches
    them by their code cells: a chapter is executed again when its code changes, as in the
    build (``execute_notebooks: cache`` in ``_config.yml``, whose ``timeout`` applies).
    """
    import yaml
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    from .grids import ONE_THREAD

    root = Path(root).resolve()
    execute = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["execute"]
    cache = get_cache(str((Path(output) if output else root).resolve() / "_build/.jupyter_cache"))
    paths = [str(root / f"{chapter}.md") for chapter in _chapters(root)]
    myst = {"type": "plugin", "name": "myst_nb_md"}  # the reader the build gives MyST chapters
    records = {path: cache.add_nb_to_project(path, read_data=myst) for path in paths}
    caller = {name: os.environ.get(name) for name in ONE_THREAD}
    os.environ.update(ONE_THREAD)  # the kernels inherit it
    try:
        result = load_executor("local-parallel", cache).run_and_cache(
            filter_pks=[record.pk for record in records.values()],
            timeout=execute.get("timeout", 30),
            allow_errors=execute.get("allow_errors", False),
        )
    finally:
        for name, value in caller.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
    failed = result.excepted + result.errored
    if failed:
        path = next(p for p in paths if p in failed)  # the first in the book's order
        traceback = cache.get_project_record(path).traceback or "(no traceback)"
        raise ChapterError(f"{Path(path).relative_to(root)}: a cell failed\n{traceback}")
    return [str(Path(p).relative_to(root).with_suffix("")) for p in paths if p in result.succeeded]


def _chapters(root: Path) -> list[str]:
    """The book's pages in ``_toc.yml`` order, as paths without suffix (``book/intro``)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [entry["file"] for entry in toc.get("chapters", [])]
