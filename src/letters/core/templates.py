"""The template library: where templates and text files are found, and the one Jinja2 environment.

Lookup order: the campaign's templates/ folder, then the built-in library. A
campaign template can extend the one it replaces as "builtin:<name>".
Profile text only ever enters templates as data: it is escaped, never compiled.
"""

from __future__ import annotations

import operator
import os
import re
import string
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


PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")  # "%-10.3f": width, precision
WIDE_METHODS = frozenset(["center", "ljust", "rjust", "zfill", "expandtabs"])  # str methods that pad to a width


def _refuse_size(what: str, size: int) -> None:
    if size > MAX_SEQUENCE:
        raise SecurityError(f"{what} of {size:,} characters; a template may make at most {MAX_SEQUENCE:,} at once")


def _ints(args: Any, kwargs: dict[str, Any] | None = None) -> list[int]:
    values = list(args.values()) if isinstance(args, dict) else list(args) if isinstance(args, tuple | list) else [args]
    return [v for v in [*values, *(kwargs or {}).values()] if isinstance(v, int) and not isinstance(v, bool)]


def check_percent(text: str, args: Any) -> None:
    """`"%10000000s" % x` (or the `format` filter) would build that string before the
    output limit sees it: refuse a width or precision past MAX_SEQUENCE, also one given as `*`."""
    for width, precision in PERCENT_SPEC.findall(text):
        for number in (width, precision):
            if number.isdigit():
                _refuse_size("a % format width", int(number))
            elif number == "*":
                for value in _ints(args):
                    _refuse_size("a % format width", value)


def check_format(text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The same for str.format: "{:>100000000}" or a width given as an argument ("{:{w}}")."""
    for _, _, spec, _ in string.Formatter().parse(text):
        for number in re.findall(r"\d+", spec or ""):
            _refuse_size("a format width", int(number))
        if spec and "{" in spec:
            for value in _ints(args, kwargs):
                _refuse_size("a format width", value)


def check_replace(text: str, old: str, new: str, count: int = -1) -> None:
    """"x"|replace("", long) puts `long` between every two characters: count the result first."""
    times = (len(text) + 1 if old == "" else text.count(old)) if count < 0 else count
    _refuse_size("a replace()", len(text) + times * max(0, len(new) - len(old)))


def _limited_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Jinja's own filters that pad or repeat to a size the template names, with that size checked first."""
    center, indent, fmt, rep = filters["center"], filters["indent"], filters["format"], filters["replace"]

    def limited_center(value: Any, width: int = 80) -> str:
        _refuse_size("center()", int(width))
        return center(value, width)

    def limited_indent(value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
        _refuse_size("indent()", len(str(value)) * (len(width) if isinstance(width, str) else int(width)))
        return indent(value, width, *args, **kwargs)

    def limited_format(value: Any, *args: Any, **kwargs: Any) -> str:
        check_percent(str(value), kwargs or args)
        return fmt(value, *args, **kwargs)

    def limited_replace(eval_ctx: Any, value: Any, old: str, new: str, count: int | None = None) -> Any:
        check_replace(str(value), str(old), str(new), -1 if count is None else int(count))
        return rep(eval_ctx, value, old, new, count)

    limited_replace.jinja_pass_arg = rep.jinja_pass_arg  # type: ignore[attr-defined]  # Jinja passes the eval context
    return {"center": limited_center, "indent": limited_indent, "format": limited_format, "replace": limited_replace}


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with smaller limits: range(), `*`, `**`, and whatever pads
    or repeats a string to a size the template names (center, ljust, %10000000s, format
    widths, replace), checked before the string is built, since the output limit only
    sees it afterwards."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = limited_range
        self.globals.pop("lipsum", None)  # lipsum(10**6) is a runaway document, and no template needs it
        self.filters.update(_limited_filters(self.filters))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if name in WIDE_METHODS:
                for value in _ints(args, kwargs):
                    _refuse_size(f"{name}()", value)
            elif name == "replace" and len(args) >= 2:
                check_replace(owner, str(args[0]), str(args[1]), int(args[2]) if len(args) > 2 else -1)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja's sandboxed str.format and format_map, with their widths checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text, is_map = value.__self__, value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if is_map and args and isinstance(args[0], dict) else {}
            check_format(text, () if is_map else args, mapping if is_map else kwargs)
            return wrapped(*args, **kwargs)

        return checked

    def call_binop(self, context: jinja2.runtime.Context, op: str, left: Any, right: Any) -> Any:
        if op == "%":
            if isinstance(left, str):
                check_percent(left, right)
            return operator.mod(left, right)
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


def text_source(env: jinja2.Environment, name: str) -> tuple[str, str]:
    """A text file's source and file name, found through the template lookup (campaign first)."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"text file {name!r} not found in the campaign's or the built-in templates/") from None
    return source, filename or name


def load_text(env: jinja2.Environment, name: str) -> Any:
    """Read a text file (YAML data, e.g. the letter's sentences) through the template lookup."""
    source, filename = text_source(env, name)
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
