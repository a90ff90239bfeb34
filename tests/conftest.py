"""Shared fixtures: named fixture campaigns (one folder per scenario) and PDF readers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber
import pytest

from letters.api import build_campaign

HERE = Path(__file__).parent
CAMPAIGNS = HERE / "campaigns"
REPO = HERE.parent
EXAMPLE = REPO / "campaigns" / "belarus-2025"


@pytest.fixture
def campaign(tmp_path: Path):
    """Copy a named fixture campaign into tmp_path, so a test may edit it freely."""

    def copy(name: str, base: str | None = None) -> Path:
        target = tmp_path / name
        if base:  # a scenario folder holds only what differs from its base
            shutil.copytree(CAMPAIGNS / base, target)
            shutil.copytree(CAMPAIGNS / name, target, dirs_exist_ok=True)
        else:
            shutil.copytree(CAMPAIGNS / name, target)
        return target

    return copy


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory: pytest.TempPathFactory):
    """The minimal campaign built once for the whole session (rendering is the slow part)."""
    out = tmp_path_factory.mktemp("minimal-out")
    result = build_campaign(CAMPAIGNS / "minimal", out)
    assert result.ok, result.failures
    return result


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory):
    """The real example campaign, built once (stale data included, so the result does not depend on today)."""
    out = tmp_path_factory.mktemp("example-out")
    result = build_campaign(EXAMPLE, out, include_stale=True)  # its data dates from early 2026
    assert result.ok, result.failures
    return result


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def documents(result, **match) -> list[dict]:
    """Manifest entries of a build that match all given fields (product=..., lang=...).

    Documents only, unless kind="bundle" is asked for.
    """
    import json

    match.setdefault("kind", "document")
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    return [d for d in manifest["documents"] if all(d[k] == v for k, v in match.items())]
