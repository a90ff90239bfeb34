"""The template library: where templates and text files are found, and the one Jinja2 environment.

Lookup order: the campaign's templates/ folder, then the built-in library. A
campaign template can extend the one it replaces as "builtin:<name>".
Profile text only ever enters templates as data: it is escaped, never compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import TemplateError


def builtin_templates_dir() -> Path:
    """The built-in template library: inside the wheel, or the repository's templates/."""
    packaged = Path(__file__).parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def template_dirs(campaign_root: Path | None) -> list[Path]:
    """Folders templates may come from, campaign first: also the renderer's file jail."""
    dirs = [builtin_templates_dir()]
    if campaign_root is not None and (Path(campaign_root) / "templates").is_dir():
        dirs.insert(0, Path(campaign_root) / "templates")
    return dirs


def make_environment(
    campaign_root: Path | None = None, filters: dict[str, Callable[..., Any]] | None = None
) -> ImmutableSandboxedEnvironment:
    """The one Jinja2 environment: sandboxed, undefined names are errors, HTML escaped."""
    dirs = template_dirs(campaign_root)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in dirs]),
            jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(builtin_templates_dir()))}, delimiter=":"),
        ]
    )
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(filters or {})
    return env


def load_text(env: jinja2.Environment, name: str) -> Any:
    """Read a text file (YAML data, e.g. the letter's sentences) through the template lookup."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"text file {name!r} not found in the campaign's or the built-in templates/") from None
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{filename}: invalid YAML: {exc}") from None


def list_texts(env: jinja2.Environment, folder: str, suffix: str = ".yaml") -> list[str]:
    """Every file name under `folder` in the lookup (campaign and built-in), each once, sorted."""
    names = env.loader.list_templates()
    return sorted({n for n in names if n.startswith(folder.rstrip("/") + "/") and n.endswith(suffix) and ":" not in n})
