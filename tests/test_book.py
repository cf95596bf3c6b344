"""End to end: the whole book executes and builds in the quick profile, and a failing cell fails it."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def build(source: Path, output: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, W2VCNN_PROFILE="quick")
    return subprocess.run([str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output),
                           "-W", "--keep-going"], capture_output=True, text=True, env=env, timeout=3000)


def chapters() -> list[str]:
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", [toc]):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


@pytest.mark.slow
def test_whole_book_builds_in_the_quick_profile(tmp_path):
    result = build(REPO, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = tmp_path / "_build" / "html"
    for chapter in chapters():
        page = (html / chapter).with_suffix(".html")
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, f"{page} shows a traceback"
        assert "<table" in text, f"{page} has no table"


@pytest.mark.slow
def test_a_failing_cell_fails_the_build(tmp_path):
    source = tmp_path / "book_copy"
    source.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, source / name)
    (source / "book").mkdir()
    shutil.copy(REPO / "book" / "references.bib", source / "book" / "references.bib")
    intro = (REPO / "book" / "intro.md").read_text(encoding="utf-8")
    broken = intro.replace("import w2vcnn\n", "import w2vcnn\nraise RuntimeError('this cell is broken')\n", 1)
    assert broken != intro
    (source / "book" / "intro.md").write_text(broken, encoding="utf-8")
    result = build(source, tmp_path / "out")
    assert result.returncode != 0
    assert "this cell is broken" in result.stdout + result.stderr
