"""The repository's metadata agrees with itself: one version, a citation file that parses."""

from importlib import metadata
from pathlib import Path

import yaml

import w2vcnn

REPO = Path(__file__).resolve().parents[1]


def test_citation_file_has_the_required_fields_and_the_package_version():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    for field in ("message", "title", "authors", "type", "license"):
        assert citation[field], field
    assert all("name" in a or "family-names" in a for a in citation["authors"])
    assert citation["version"] == metadata.version("w2vcnn") == w2vcnn.__version__
    assert f'license = "{citation["license"]}"' in (REPO / "pyproject.toml").read_text()
