"""Do run keys follow computation, not its spelling? Every run key of the book, before and after a
restyle of the code the keys cover, and after an arithmetic edit in ``train.py``.

Copies ``src/`` to a temporary folder twice: in one, every comment and docstring of every module a
run key covers (:attr:`w2vcnn.config.RunConfig.code`, all kinds) gets words added, and ruff
reformats them at 79 columns; in the other, ``train.py`` computes one thing differently. Then
computes the key of every run the chapters ask for (``study.chapter_grids``, full and quick
profiles), each tree in a fresh process, and prints how many changed: the restyle must change
none, the arithmetic edit exactly the neural runs (the CNN and CBOW runs, not TF-IDF).

A measurement, not a test: ``python benchmarks/restyle_keys.py``. ``--apply`` restyles the
checkout's own ``src/`` instead (to check, with a full ``make book``, that the restyled book
trains no run; ``git checkout src`` undoes it).
"""

import argparse
import ast
import io
import json
import shutil
import subprocess
import sys
import tempfile
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEYS = """
import json
from w2vcnn import profile, study
keys = {}
for name in profile.PROFILES:
    for configs in study.chapter_grids(profile.named(name)).values():
        for c in configs:
            c = c.validated()
            keys[c.key] = "tfidf" if c.is_baseline else "neural"
print(json.dumps(keys))
"""


def hashed_modules(src: Path) -> list[Path]:
    """The package files some run key covers, every kind of run together."""
    code = """
import json
from w2vcnn.config import RunConfig
kinds = [RunConfig(arch="tfidf"), RunConfig(), RunConfig(backend="keras")]
print(json.dumps(sorted({path for c in kinds for path in c.code})))
"""
    paths = json.loads(_python(code, src))
    return [src / "w2vcnn" / path for path in paths]


def restyle(path: Path) -> None:
    """Add words to every comment and docstring of ``path``; the code stays as it was."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    edits = []  # (line, column, text to insert), applied bottom-up
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and not token.string.startswith("#!"):
            edits.append((*token.end, " (reworded)"))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    end = body[0].value
                    row = lines[end.end_lineno - 1].encode()  # ast counts bytes
                    column = len(row[: end.end_col_offset - 3].decode())
                    edits.append((end.end_lineno, column, " Reworded."))
    for line, column, text in sorted(edits, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:column] + text + row[column:]
    path.write_text("".join(lines))


def _reformat(modules: list[Path]) -> None:
    command = [sys.executable, "-m", "ruff", "format", "-q", "--isolated", "--line-length", "79"]
    subprocess.run(command + [str(p) for p in modules], check=True)


def keys(src: Path) -> dict[str, str]:
    return json.loads(_python(KEYS, src))


def _python(code: str, src: Path) -> str:
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin", "W2VCNN_DATA": str(ROOT / "data")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apply", action="store_true", help="restyle this checkout's src/")
    args = parser.parse_args()
    if args.apply:
        modules = hashed_modules(ROOT / "src")
        for path in modules:
            restyle(path)
        _reformat(modules)
        print(f"restyled {len(modules)} modules under {ROOT / 'src'}")
        return
    before = keys(ROOT / "src")
    with tempfile.TemporaryDirectory() as tmp:
        restyled, edited = Path(tmp) / "restyled", Path(tmp) / "edited"
        for tree in (restyled, edited):
            shutil.copytree(ROOT / "src", tree, ignore=shutil.ignore_patterns("__pycache__"))
        modules = hashed_modules(restyled)
        for path in modules:
            restyle(path)
        _reformat(modules)
        train = edited / "w2vcnn" / "train.py"
        train.write_text(train.read_text() + "\n_UNUSED_SCALE = 2 * 0.5\n")
        after, arithmetic = keys(restyled), keys(edited)
    neural = {k for k, kind in before.items() if kind == "neural"}
    print(f"{len(before)} runs ({len(neural)} neural, {len(before) - len(neural)} TF-IDF)")
    print(f"restyle of {len(modules)} modules: {len(set(before) - set(after))} keys changed")
    changed = set(before) - set(arithmetic)
    print(
        f"arithmetic edit in train.py: {len(changed)} keys changed, "
        f"{len(changed & neural)} of them neural, {len(changed - neural)} TF-IDF"
    )


if __name__ == "__main__":
    main()
