"""The Python API: build a whole campaign, or render one document.

The CLI is a thin layer over `build_campaign` and `render_document`. One
broken document does not stop the others: it is reported as a failure and
the good output it would have replaced stays as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from . import compose, record
from .errors import LettersError, Problem, RenderError
from .load import CampaignData, load_campaign
from .select import PRODUCTS, Job, Skip, plan


@dataclass(frozen=True)
class Failure:
    doc_id: str
    path: str
    reason: str


@dataclass
class BuildResult:
    out_dir: Path
    entries: list[record.Entry] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _render(job: Job, data: CampaignData, env: object) -> tuple[bytes, int, str]:
    """Compose and render one job in memory: (pdf bytes, pages, title)."""
    from .render import Renderer

    html = compose.render_html(job, data, env)
    roots = [data.root, *compose.template_dirs(data.root)]
    pdf, pages = Renderer.shared().render(html, base_dir=data.root, roots=roots)
    if job.product.max_pages and pages > job.product.max_pages:
        raise RenderError(
            f"{job.doc_id} runs to {pages} pages; a {job.product.name} must fit on "
            f"{job.product.max_pages}: shorten the profile's role or the template"
        )
    match = TITLE.search(html)
    title = unescape(match.group(1)).strip() if match else job.doc_id
    return pdf, pages, title


def _entry(job: Job, path: str, pdf: bytes, pages: int, title: str) -> record.Entry:
    return record.Entry(
        id=job.doc_id,
        product=job.product.name,
        audience=job.product.audience,
        prisoner=job.prisoner_id,
        lang=job.lang,
        paper=job.paper,
        path=path,
        pages=pages,
        sha256=record.sha256(pdf),
        title=title,
    )


def skip_summary(skips: list[Skip]) -> dict[str, str]:
    """One line per person: which products they get none of, and why."""
    by_person: dict[str, dict[str, list[str]]] = {}
    for skip in skips:
        by_person.setdefault(skip.prisoner_id, {}).setdefault(skip.reason, []).append(skip.product)
    return {
        pid: "; ".join(f"no {', '.join(products)}: {reason}" for reason, products in reasons.items())
        for pid, reasons in sorted(by_person.items())
    }


def build_campaign(
    root: Path,
    out_dir: Path,
    products: list[str] | None = None,
    paper: str | None = None,
    on_document: Callable[[Job, Failure | None], None] | None = None,
) -> BuildResult:
    """Render every document the campaign should make into out_dir, then write the manifest."""
    from .render import write_atomic

    data = load_campaign(root)
    out_dir = Path(out_dir)
    jobs, skips = plan(data, products, paper)
    result = BuildResult(out_dir, skipped=skips, warnings=list(data.warnings))
    previous = _previous_entries(out_dir)
    env = compose.make_environment(data.root)
    for job in jobs:
        failure = None
        try:
            pdf, pages, title = _render(job, data, env)
            write_atomic(out_dir / job.relpath, pdf)
            result.entries.append(_entry(job, job.relpath, pdf, pages, title))
        except LettersError as exc:
            failure = Failure(job.doc_id, job.relpath, exc.format_message())
            result.failures.append(failure)
            if job.doc_id in previous:  # the good output it would have replaced stays
                result.entries.append(previous[job.doc_id])
        if on_document:
            on_document(job, failure)
    skipped = [{"prisoner": s.prisoner_id, "product": s.product, "reason": s.reason} for s in skips]
    record.write_manifest(out_dir, data.campaign.title, result.entries, skipped)
    return result


def _previous_entries(out_dir: Path) -> dict[str, record.Entry]:
    try:
        documents = record.read_manifest(out_dir)["documents"]
        return {d["id"]: record.Entry(**d) for d in documents if (out_dir / d["path"]).is_file()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def render_document(root: Path, product: str, prisoner_id: str, out_file: Path, lang: str | None = None, paper: str | None = None) -> record.Entry:
    """Render one document to out_file; refuse one the person must not receive."""
    from .render import write_atomic

    data = load_campaign(root)
    if product not in PRODUCTS:
        raise LettersError(f"unknown template {product!r}; expected one of {', '.join(sorted(PRODUCTS))}")
    if prisoner_id not in data.prisoners:
        raise LettersError(f"no prisoner {prisoner_id!r} in {data.root / 'prisoners'}")
    spec = PRODUCTS[product]
    reason = spec.refusal(data.prisoners[prisoner_id], data)
    if reason:
        raise LettersError(f"{prisoner_id} gets no {product}: {reason}")
    languages = spec.languages(data)
    lang = lang or languages[0]
    if lang not in languages:
        raise LettersError(f"a {product} is made in {', '.join(languages)}, not {lang!r}")
    job = Job(spec, prisoner_id, lang, paper or data.campaign.paper)
    pdf, pages, title = _render(job, data, compose.make_environment(data.root))
    write_atomic(Path(out_file), pdf)
    return _entry(job, str(out_file), pdf, pages, title)
