"""What the end-to-end book tests share: the chapters, the prose a page holds back, and `make
book` in a copy of the repository."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def chapters() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]


HELD = re.compile(
    r"^:::\{(only-our-datasets|only-our-vectors|when-verdict)\}([^\n]*)\n(.*?)^:::$",
    re.MULTILINE | re.DOTALL,
)


def held_prose(directive: str) -> list[tuple[str, str, str]]:
    """Each ``{directive}`` block of the chapters' sources as (chapter, argument, the first words
    of its text as a page shows them: markup, roles and glued values left out)."""
    blocks = []
    for chapter in chapters():
        source = (REPO / chapter).with_suffix(".md").read_text(encoding="utf-8")
        for name, argument, content in HELD.findall(source):
            if name == directive:
                # the text between roles ({glue:text}`name`, {cite:p}`key`), markup dropped
                pieces = re.split(r"\{[\w:-]+\}`[^`]*`", " ".join(content.split()))
                runs = [re.sub(r"[*`]|\[|\]\([^)]*\)", "", piece).split() for piece in pieces]
                words = next((run for run in runs if len(run) >= 4), max(runs, key=len))[:8]
                assert len(words) >= 3, f"{chapter}: a {directive} block with too little text"
                blocks.append((chapter, argument.strip(), " ".join(words)))
    return blocks


def page_text(html_dir: Path, chapter: str) -> str:
    """A built chapter's text, tags stripped, quotes straightened and spaces collapsed."""
    import html as html_module

    raw = (html_dir / chapter).with_suffix(".html").read_text(encoding="utf-8")
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", raw))
    text = text.translate(str.maketrans({"\u201c": '"', "\u201d": '"', "\u2019": "'"}))
    return " ".join(text.split())


def tracked_copy(copy: Path) -> Path:
    """The repository's tracked files in ``copy``, with this .venv: built in place as `make book`
    builds them, without touching this checkout's _build."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, copy / name)
    (copy / ".venv").symlink_to(REPO / ".venv")
    return copy


def make_book(copy: Path, *variables: str) -> subprocess.CompletedProcess:
    """``make book PROFILE=quick`` with ``variables`` in ``copy``, the data where this test run
    keeps it, no other W2VCNN_ setting of this process."""
    data = {"W2VCNN_DATA": os.environ["W2VCNN_DATA"]} if "W2VCNN_DATA" in os.environ else {}
    return subprocess.run(
        ["make", "-o", ".venv/.installed", "book", "PROFILE=quick", *variables],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=3000,
        env={k: v for k, v in os.environ.items() if not k.startswith("W2VCNN_")} | data,
    )
