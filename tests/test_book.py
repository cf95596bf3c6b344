"""End to end: the whole book builds in the quick profile, and its pages work in a real browser."""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml

from bookbuild import JUPYTER_BOOK, REPO, chapters, held_prose, page_text

pytestmark = pytest.mark.book  # make test runs these after the rest, one at a time

CHROMIUM = Path("/usr/bin/chromium")
# Chapters whose code draws figures: each must show at least this many rendered images.
FIGURES = {
    "book/q1_embedding_layer": 3,  # every fold per mode, the libraries, the learning curves
    "book/q2_vec_bin": 3,  # drift by frequency, angle by decile, the arrows
    "book/q3_skipgram_cbow": 3,  # the networks, every fold per initialisation, the corpus curve
    "book/beyond": 3,  # every fold against TF-IDF, the labelled-size sweep, the schedules
}


# Where the browser tests leave a screenshot of each state they check, for a person to look at.
SCREENSHOTS = Path(
    os.environ.get("W2VCNN_SCREENSHOTS", Path(tempfile.gettempdir()) / "w2vcnn-screenshots")
)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_watched(browser, url: str):
    """The page at ``url``, and the list its failed requests and script errors go to."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("requestfailed", lambda request: problems.append(f"failed to load {request.url}"))
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))
    page.goto(url, wait_until="load")
    return page, problems


# The published site's configuration (notebooks.publish_config), with a stand-in address: the
# deployment workflow passes the real one.
REPOSITORY = "https://github.com/example/w2vcnn"


def build(source: Path, output: Path, train: bool = False) -> subprocess.CompletedProcess:
    """As `make book CONFIG=...` builds, into ``output``: with ``train``, every run first (one
    process per core); the chapters executed, one kernel per core; then jupyter-book. The first
    step that fails ends it; its stdout and stderr follow those of the steps before."""
    from w2vcnn.notebooks import publish_config

    env = dict(os.environ, W2VCNN_PROFILE="quick")
    config = publish_config(REPOSITORY, output / "_config.publish.yml", source=REPO / "_config.yml")
    w2vcnn = [sys.executable, "-m", "w2vcnn"]
    steps = [w2vcnn + ["study"]] if train else []
    steps += [
        w2vcnn + ["chapters", str(source), "--output", str(output)],
        [str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output)]
        + ["--config", str(config), "-W", "--keep-going"],
    ]
    out, err = "", ""
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, env=env, timeout=3000)
        out, err = out + result.stdout, err + result.stderr
        if result.returncode:
            break
    return subprocess.CompletedProcess(step, result.returncode, out, err)


def glued_texts(site: Path) -> dict[str, str]:
    """Every text a chapter glued in the build at ``site`` (its executed notebooks), by name."""
    import ast
    import json

    texts = {}
    for notebook in (site / "_build" / ".jupyter_cache" / "executed").glob("*/base.ipynb"):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                name = output.get("metadata", {}).get("scrapbook", {}).get("name")
                plain = output.get("data", {}).get("application/papermill.record/text/plain")
                if name and plain and plain[0] in "'\"":
                    texts[name] = ast.literal_eval(plain)
    return texts


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The quick book, built here; or, with ``W2VCNN_SITE`` set, a book already built there (the
    full one, say), so that the page checks read it: ``W2VCNN_SITE=. pytest tests/test_book.py
    -k "browser or explorer or results or prose or every_chapter"``."""
    if built := os.environ.get("W2VCNN_SITE"):
        return Path(built).resolve()
    output = tmp_path_factory.mktemp("book")
    result = build(REPO, output, train=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return output


@pytest.mark.slow
def test_every_chapter_is_built(site):
    html = site / "_build" / "html"
    for chapter in chapters():
        text = (html / chapter).with_suffix(".html").read_text(encoding="utf-8")
        assert "Traceback" not in text, f"{chapter} shows a traceback"
        assert "<table" in text, f"{chapter} has no table"
    # the prose held for our own datasets and vectors is there when the book runs on them (the
    # DATASETS= and VECTORS= books leave it out)
    held = held_prose("only-our-datasets") + held_prose("only-our-vectors")
    assert len(held) >= 5
    for chapter, _, words in held:
        assert words in page_text(html, chapter), f"{chapter} lacks its own prose {words!r}"


@pytest.mark.slow
def test_prose_that_assumes_an_outcome_is_shown_exactly_where_the_test_gave_it(site):
    """Each {when-verdict} block: on its page when the page's glued verdicts give its outcome,
    absent when they do not (a page never states a direction its test did not find)."""
    from w2vcnn.directives import direction, verdict_conditions

    html, glued = site / "_build" / "html", glued_texts(site)
    blocks = held_prose("when-verdict")
    assert len(blocks) >= 10
    shown = 0
    for chapter, argument, words in blocks:
        holds = all(
            (direction(glued[name]) in outcomes) != negated
            for name, negated, outcomes in verdict_conditions(argument)
        )
        assert (words in page_text(html, chapter)) is holds, (chapter, argument, words)
        shown += holds
    assert 0 < shown < len(blocks)  # the quick book's outcomes show some blocks and hide others


@pytest.mark.slow
def test_a_second_build_executes_no_notebook(site):
    if os.environ.get("W2VCNN_SITE"):
        pytest.skip("W2VCNN_SITE: the pages of a book built elsewhere are read, not rebuilt")
    result = build(REPO, site)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 chapters executed" in result.stdout
    assert "Executing notebook" not in result.stdout + result.stderr
    assert "Executed notebook" not in result.stdout + result.stderr


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(_QuietHandler, directory=str(site / "_build" / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


# Code blocks and tables that a reader would have to scroll sideways: a scroll box whose content is
# wider than the box, or a block whose right edge runs past the article's text column.
_WIDER_THAN_THE_COLUMN = """() => {
  const article = document.querySelector("main article") || document.querySelector("main");
  const right = article.getBoundingClientRect().right + 1;
  const name = el => el.tagName + " " + el.textContent.trim().slice(0, 50).replace(/\\s+/g, " ");
  const found = [];
  for (const el of article.querySelectorAll("pre, table, div")) {
    const overflow = getComputedStyle(el).overflowX;
    const scrolls = ["auto", "scroll"].includes(overflow) && el.scrollWidth > el.clientWidth + 1;
    const past = ["PRE", "TABLE"].includes(el.tagName) && el.getBoundingClientRect().right > right;
    if (scrolls || past) found.push(name(el));
  }
  return found;
}"""


@pytest.mark.slow
@pytest.mark.parametrize("chapter", chapters())
def test_chapter_in_a_real_browser(served, browser, chapter, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed, errors = [], []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))  # e.g. a script declared twice
    response = page.goto(urljoin(served, chapter + ".html"), wait_until="load")
    assert response.ok
    main = page.locator("main")
    assert "Traceback (most recent call last)" not in main.inner_text()
    # in what the cells printed: the package source a chapter includes may name ValueError
    outputs = " ".join(main.locator("div.cell_output").all_inner_texts())
    assert not re.search(r"\b[A-Z]\w*Error\b", outputs), f"{chapter} shows an error"
    assert main.locator("table").count() >= 1
    widths = main.locator("img").evaluate_all(
        "images => images.map(i => i.complete ? i.naturalWidth : 0)"
    )
    assert all(w > 0 for w in widths), f"{chapter}: an image did not render"
    assert len(widths) >= FIGURES.get(chapter, 0), (
        f"{chapter}: expected figures, found {len(widths)}"
    )
    wide = page.evaluate(_WIDER_THAN_THE_COLUMN)
    assert not wide, f"{chapter}: these scroll sideways or run past the text column: {wide}"
    local = [url for url in failed if urlparse(url).hostname == "127.0.0.1"]
    assert not local, f"{chapter}: failed to load {local}"
    assert not errors, f"{chapter}: script errors {errors}"
    links = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    for link in {link.split("#")[0] for link in links if link.startswith(served)}:
        assert page.request.get(link).ok, f"{chapter}: broken internal link {link}"
    page.screenshot(path=str(tmp_path / "page.png"), full_page=False)
    page.close()


@pytest.mark.slow
def test_q1_library_tabs_switch_together(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(urljoin(served, "book/q1_embedding_layer.html"), wait_until="load")
    tab_sets = page.locator("main .sd-tab-set")
    assert tab_sets.count() >= 2  # the layer, and our Kim CNN's source
    tab_sets.nth(0).locator("label", has_text="Keras").click()
    for i in range(tab_sets.count()):  # every pair now shows Keras
        shown = tab_sets.nth(i).locator("input:checked + label").inner_text()
        assert shown.strip() == "Keras", f"tab set {i} shows {shown!r}"
    keras_source = tab_sets.nth(1).locator(".sd-tab-content").nth(1).inner_text()
    assert "def build_kim_cnn(" in keras_source
    page.close()


# A tooltip is drawn only where the pointer rests on a point: sweep the map until one shows.
def hover_a_point(page, figure) -> str:
    box = figure.bounding_box()
    tooltip = page.locator(".bk-tooltip-content")
    for fx in [i / 24 for i in range(3, 22)]:
        for fy in [i / 24 for i in range(3, 22)]:
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            shown = [t for t in tooltip.all_inner_texts() if "word" in t]
            if shown:
                return shown[0]
    return ""


@pytest.mark.slow
def test_the_word_explorer_answers_for_a_typed_word_offline(served, browser):
    page, problems = open_watched(browser, urljoin(served, "book/q2_vec_bin.html"))
    search = page.locator("input[placeholder^='type a word']").first
    lists = page.locator("table.w2v-neighbours").first
    lists.wait_for(timeout=20_000)  # the opening word's lists, drawn on load
    search.scroll_into_view_if_needed()

    search.fill("film")  # the page opens on "good"
    search.press("Enter")
    page.locator("p", has=page.locator("b", has_text=re.compile("^film$"))).first.wait_for()
    rows = lists.locator("tbody tr")
    assert rows.count() == 10
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    before, after = [c[1:3] for c in cells], [c[3:5] for c in cells]
    assert before != after, "a fine-tuned run's neighbours (or their cosines) moved"
    screenshot(page, "explorer-film")

    search.fill("zqxjv")
    search.press("Enter")
    missing = page.locator(".w2v-missing").first
    missing.wait_for()
    assert "“zqxjv” is not among the" in missing.inner_text()
    assert lists.count() == 0 or not lists.is_visible()
    screenshot(page, "explorer-not-a-word")

    figure = page.locator(".bk-Figure").first
    figure.scroll_into_view_if_needed()
    label = hover_a_point(page, figure)
    assert label.startswith("word"), "hovering a point shows its word"
    screenshot(page, "explorer-hover")
    assert not problems, problems  # no network here: everything it needs came with the page
    page.close()


@pytest.mark.slow
def test_results_tables_sort_and_filter_to_one_mode(served, browser):
    page, problems = open_watched(browser, urljoin(served, "book/results.html"))
    runs = page.locator("table.dataTable", has=page.locator("caption", has_text="Every run"))
    runs.wait_for()
    info = page.locator(".dt-info").last
    total = int(re.search(r"of ([\d,]+) entries", info.inner_text())[1].replace(",", ""))
    mode_pane = page.locator(".dtsp-searchPane", has=page.locator("input[placeholder='mode']"))
    mode_pane.locator("span.dtsp-name", has_text=re.compile("^multichannel$")).click()
    page.wait_for_function(
        "() => /filtered from/.test([...document.querySelectorAll('.dt-info')].pop().textContent)"
    )
    modes = runs.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert modes and set(modes) == {"multichannel"}
    shown = int(re.search(r"of ([\d,]+) entries", info.inner_text())[1].replace(",", ""))
    assert 0 < shown < total
    screenshot(page, "results-multichannel")
    test = runs.locator("th", has_text=re.compile("^test$")).first
    for _ in range(3):  # a click on its title steps through descending, none, ascending
        if "dt-ordering-asc" in test.get_attribute("class"):
            break
        test.click()
        page.wait_for_timeout(200)  # the table redraws after the click
    tests = [float(t) for t in runs.locator("tbody tr td:nth-child(5)").all_inner_texts()]
    assert "dt-ordering-asc" in test.get_attribute("class") and tests == sorted(tests)
    catalogue = page.locator("table.dataTable", has=page.locator("th", has_text="experiment"))
    assert "embedding_modes" in catalogue.locator("tbody").inner_text()
    assert not problems, problems
    page.close()


@pytest.mark.slow
def test_a_failing_cell_fails_the_build(tmp_path):
    source = tmp_path / "book_copy"
    source.mkdir()
    shutil.copy(REPO / "_config.yml", source / "_config.yml")
    (source / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (source / "book").mkdir()
    shutil.copy(REPO / "book" / "references.bib", source / "book" / "references.bib")
    intro = (REPO / "book" / "intro.md").read_text(encoding="utf-8")
    broken = intro.replace(
        "import w2vcnn\n", "import w2vcnn\nraise RuntimeError('this cell is broken')\n", 1
    )
    assert broken != intro
    (source / "book" / "intro.md").write_text(broken, encoding="utf-8")
    result = build(source, tmp_path / "out")
    assert result.returncode != 0
    assert "this cell is broken" in result.stdout + result.stderr


@pytest.mark.slow
def test_every_page_offers_its_executed_notebook_and_the_repository(served, browser):
    import json

    import nbformat

    for chapter in chapters():
        page = browser.new_page()
        page.goto(urljoin(served, chapter + ".html"), wait_until="load")
        links = page.locator("a[href$='.ipynb']").evaluate_all("links => links.map(a => a.href)")
        assert links, f"{chapter}: no .ipynb download"
        response = page.request.get(links[0])
        assert response.ok, f"{chapter}: {links[0]} does not load"
        notebook = nbformat.reads(json.dumps(response.json()), as_version=4)
        nbformat.validate(notebook)
        assert any(cell.get("outputs") for cell in notebook.cells), f"{chapter}: not executed"
        hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
        assert REPOSITORY in hrefs and f"{REPOSITORY}/issues/new" in " ".join(hrefs)
        page.close()


@pytest.mark.slow
def test_colab_opens_the_notebook_the_workflow_puts_beside_a_chapter(tmp_path):
    from w2vcnn.notebooks import publish_config, write_notebooks

    source = tmp_path / "book_copy"  # the intro alone, as the workflow lays it out
    (source / "book").mkdir(parents=True)
    for name in ("_config.yml", "book/intro.md", "book/references.bib"):
        shutil.copy(REPO / name, source / name)
    # the link is what is tested here: executing the intro is the site test's (20 s saved)
    settings = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    settings["execute"]["execute_notebooks"] = "off"
    (source / "_config.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    (source / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    config = publish_config(
        REPOSITORY, tmp_path / "publish.yml", source=source / "_config.yml", notebooks_branch="nb"
    )
    write_notebooks(source / "book", config=config, root=source)
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(source), "--config", str(config)],
        capture_output=True,
        text=True,
        env=dict(os.environ, W2VCNN_PROFILE="quick"),
        timeout=3000,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # (the intro's links to the other chapters warn here; the notebook beside it must not)
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert not [line for line in warnings if "ipynb" in line], warnings
    page = (source / "_build" / "html" / "book" / "intro.html").read_text(encoding="utf-8")
    colab = "https://colab.research.google.com/github/example/w2vcnn/blob/nb/book/intro.ipynb"
    assert colab in page
