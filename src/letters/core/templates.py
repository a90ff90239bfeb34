"""The template library: where templates and text files are found, and the one Jinja2 environment.

Lookup order: the campaign's templates/ folder, then the built-in library. A
campaign template can extend the one it replaces as "builtin:<name>".
Profile text only ever enters templates as data: it is escaped, never compiled.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .clock import alarm
from .errors import TemplateError

MAX_RANGE = 10_000  # items one range() may give a template (Jinja's sandbox allows 100,000)
MAX_OUTPUT = 2_000_000  # characters of HTML one document may have: far beyond any page, short of a runaway loop
MAX_SEQUENCE = 100_000  # items or characters a `*` in a template may make
MAX_TEMPLATE_BYTES = 1_000_000  # size of one template or text file
SECONDS = 20.0  # wall-clock time one document's template may take


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


class FolderLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that stays inside its folders: a template or text file that is
    a link (or sits in a linked folder) whose target is outside every search folder is
    refused, and so is a file too large to be a template."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        roots = [Path(p).resolve() for p in self.searchpath]
        for searchpath in self.searchpath:
            filename = os.path.join(searchpath, *pieces)
            if os.path.isfile(filename):
                break
        else:
            raise jinja2.TemplateNotFound(template, f"{template!r} not found in {', '.join(self.searchpath)}")
        target = Path(filename).resolve()
        if not any(target.is_relative_to(root) for root in roots):
            raise TemplateError(f"{filename}: a link to {target}, outside the template folders; "
                                f"a template may only use files inside them")
        if target.stat().st_size > MAX_TEMPLATE_BYTES:
            raise TemplateError(f"{filename}: larger than {MAX_TEMPLATE_BYTES // 1_000_000} MB; not a template")
        contents = target.read_text(encoding=self.encoding)
        mtime = target.stat().st_mtime

        def uptodate() -> bool:
            try:
                return Path(filename).resolve().stat().st_mtime == mtime
            except OSError:
                return False

        return contents, os.path.normpath(filename), uptodate


def limited_range(*args: int) -> range:
    """range() for templates: at most MAX_RANGE items."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() of {len(numbers)} items; a template may make at most {MAX_RANGE}")
    return numbers


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with smaller limits: range(), `*` and `**`."""

    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = limited_range
        self.globals.pop("lipsum", None)  # lipsum(10**6) is a runaway document, and no template needs it

    def call_binop(self, context: jinja2.runtime.Context, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise SecurityError(f"{left!r} ** {right!r}: a template may raise to a power of at most 100")
            return operator.pow(left, right)
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_SEQUENCE:
                raise SecurityError(f"a {type(seq).__name__} * {times} of more than {MAX_SEQUENCE} items")
        return operator.mul(left, right)


class TooSlow(TemplateError):
    """A template that ran past its time or output limit."""


def render_limited(template: jinja2.Template, context: dict[str, Any], seconds: float | None = None,
                   max_chars: int | None = None, scale: int = 1) -> str:
    """Render a template within a time and an output-length limit (TooSlow past either;
    by default SECONDS and MAX_OUTPUT, read when called, times `scale`: the number of
    people a document is about, since a card or label sheet for everyone is that long)."""
    seconds = (SECONDS if seconds is None else seconds) * scale
    max_chars = (MAX_OUTPUT if max_chars is None else max_chars) * scale
    deadline = time.monotonic() + seconds
    parts: list[str] = []
    size = 0
    with alarm(seconds, lambda: TooSlow(f"took more than {seconds:g} s")):
        for part in template.generate(context):
            size += len(part)
            if size > max_chars:
                raise TooSlow(f"made more than {max_chars:,} characters of HTML; a document is far shorter")
            if time.monotonic() > deadline:
                raise TooSlow(f"took more than {seconds:g} s")
            parts.append(part)
    return "".join(parts)


def template_frames(exc: BaseException) -> list[str]:
    """The template files and lines an exception passed through, outermost first: Jinja2
    rewrites tracebacks so that template frames carry the template's file name and line."""
    found = []
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".css", ".txt", ".yaml")):
            found.append(f"{filename}:{tb.tb_lineno}")
        tb = tb.tb_next
    return found


def where_failed(exc: BaseException) -> str:
    """The template file and line an exception came from ("" if none)."""
    frames = template_frames(exc)
    return frames[-1] if frames else ""


def describe_failure(exc: BaseException) -> str:
    """One line for an unexpected exception: where (a template's file:line), its type and
    message; for a recursion, the template lines it went round."""
    frames = template_frames(exc)
    where = frames[-1:] if frames else []
    message = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, RecursionError):
        where = list(dict.fromkeys(frames[-60:]))[:3]  # the lines of the loop, each once
        message += " (a template that includes or extends itself?)"
    return f"{', '.join(where) + ': ' if where else ''}{type(exc).__name__}: {message}".rstrip(": ")


def make_environment(
    campaign_root: Path | None = None, filters: dict[str, Callable[..., Any]] | None = None
) -> ImmutableSandboxedEnvironment:
    """The one Jinja2 environment: sandboxed, undefined names are errors, HTML escaped."""
    dirs = template_dirs(campaign_root)
    loader = jinja2.ChoiceLoader(
        [
            FolderLoader([str(d) for d in dirs]),
            jinja2.PrefixLoader({"builtin": FolderLoader(str(builtin_templates_dir()))}, delimiter=":"),
        ]
    )
    env = Sandbox(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(filters or {})
    return env


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the rules load ten times faster


def too_deep(exc: BaseException) -> bool:
    """Whether a YAML file failed for its nesting: Python's parser runs out of recursion,
    libyaml stops at its own limit."""
    return isinstance(exc, RecursionError) or "maximum nesting depth" in str(exc)


def load_text(env: jinja2.Environment, name: str) -> Any:
    """Read a text file (YAML data, e.g. the letter's sentences) through the template lookup."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"text file {name!r} not found in the campaign's or the built-in templates/") from None
    try:
        return yaml.load(source, Loader=SafeLoader)  # the safe loader, in C where libyaml is
    except (RecursionError, yaml.YAMLError) as exc:
        if too_deep(exc):
            raise TemplateError(f"{filename}: nested too deeply to be a text file") from None
        raise TemplateError(f"{filename}: invalid YAML: {exc}") from None


def list_texts(env: jinja2.Environment, folder: str, suffix: str = ".yaml") -> list[str]:
    """Every file name under `folder` in the lookup (campaign and built-in), each once, sorted."""
    names = env.loader.list_templates()
    return sorted({n for n in names if n.startswith(folder.rstrip("/") + "/") and n.endswith(suffix) and ":" not in n})
