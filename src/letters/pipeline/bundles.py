"""Bundles: documents merged into one PDF to print in one go.

Each product for the whole campaign (in volumes of at most BUNDLE_LIMIT
documents), and everything for one person. Parts that are printed on both
sides are padded to an even page count in duplex, so each starts on a front;
parts fed one at a time (envelopes) never are, since a blank page would waste
an envelope.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from ..core.files import inside, write_atomic
from ..products.registry import Registry
from . import manifest

BUNDLE_LIMIT = 100  # documents per bundle file: a printer tray; merging one again after an edit takes a fifth of a second


@dataclass(frozen=True)
class BundlePlan:
    id: str
    path: str
    product: str
    prisoner: str | None
    parts: list[manifest.Entry]
    title: str


def plan_bundles(documents: list[manifest.Entry], registry: Registry) -> list[BundlePlan]:
    """Documents to print in one go: each product for the whole campaign, and everything for one person.

    Products that already make one document for everyone (card sheets, labels) need no bundle,
    nor does a person with a single document.
    Parts follow the order of `letters products`, then person, then language.
    """
    rank = {name: i for i, name in enumerate(registry.products)}
    docs = sorted(
        (d for d in documents if d.kind == "document" and d.prisoner and d.format == "pdf"),
        key=lambda d: (rank.get(d.product, len(rank)), d.prisoner, d.lang),
    )
    by_product: dict[str, list[manifest.Entry]] = {}
    by_person: dict[str, list[manifest.Entry]] = {}
    for d in docs:  # grouped in one pass: a list per person searched through every document was O(N^2)
        by_product.setdefault(d.product, []).append(d)
        by_person.setdefault(d.prisoner or "", []).append(d)  # every one has a prisoner (filtered above)
    plans: list[BundlePlan] = []
    for name, parts in by_product.items():
        if name in registry.products and registry.products[name].per_campaign:
            continue
        volumes = [parts[i : i + BUNDLE_LIMIT] for i in range(0, len(parts), BUNDLE_LIMIT)]
        for number, volume in enumerate(volumes, start=1):
            suffix = f"-{number:03d}" if len(volumes) > 1 else ""
            title = f"{name}: everyone" + (f" ({number} of {len(volumes)})" if suffix else "")
            plans.append(BundlePlan(f"bundle-{name}{suffix}", f"bundles/{name}{suffix}.pdf", name, None, volume, title))
    for person, parts in sorted(by_person.items()):
        if len(parts) < 2:
            continue  # one document is already everything for that person
        plans.append(BundlePlan(f"bundle-{person}", f"bundles/people/{person}.pdf", "bundle", person, parts, f"Everything for {person}"))
    return plans


def make_bundles(out_dir: Path, plans: list[BundlePlan], previous: dict[str, manifest.Entry], duplex: bool,
                 registry: Registry) -> list[manifest.Entry]:
    """Merge each bundle's documents (reusing an unchanged bundle), padded for duplex where the part is."""
    made = []
    for bundle in plans:
        pads = [duplex and _two_sided(p.product, registry) for p in bundle.parts]
        key = hashlib.sha256(f"{pads} {' '.join(p.sha256 for p in bundle.parts)}".encode()).hexdigest()
        old = previous.get(bundle.id)
        if old and old.key == key and old.path == bundle.path:
            made.append(old)
            continue
        pdf, pages = merge_pdfs([inside(out_dir, p.path).read_bytes() for p in bundle.parts], bundle.title, pads)
        write_atomic(inside(out_dir, bundle.path), pdf)
        audiences = {p.audience for p in bundle.parts}
        langs = {p.lang for p in bundle.parts}
        made.append(
            manifest.Entry(
                id=bundle.id,
                product=bundle.product,
                audience=audiences.pop() if len(audiences) == 1 else "volunteer",  # a person's pack goes to the volunteer
                prisoner=bundle.prisoner,
                lang=langs.pop() if len(langs) == 1 else "mul",
                paper=bundle.parts[0].paper,
                path=bundle.path,
                pages=pages,
                sha256=manifest.sha256(pdf),
                title=bundle.title,
                key=key,
                kind="bundle",
                parts=tuple(p.id for p in bundle.parts),
            )
        )
    return made


def _two_sided(product: str, registry: Registry) -> bool:
    return registry.products[product].duplex if product in registry.products else True


def merge_pdfs(parts: list[bytes], title: str, pad: bool | list[bool]) -> tuple[bytes, int]:
    """One PDF from many, in order. A part whose `pad` is true is followed by a blank page
    when it has an odd page count, so the next part starts on a front side in duplex.

    pikepdf (qpdf) copies pages as objects, about four times faster than pypdf here;
    `deterministic_id` keeps the same parts giving the same bytes.
    """
    import pikepdf

    pads = pad if isinstance(pad, list) else [pad] * len(parts)
    merged = pikepdf.Pdf.new()
    for data, padded in zip(parts, pads, strict=True):
        part = pikepdf.Pdf.open(io.BytesIO(data))
        merged.pages.extend(part.pages)
        if padded and len(part.pages) % 2:
            x0, y0, x1, y1 = (float(v) for v in part.pages[-1].mediabox)
            merged.add_blank_page(page_size=(x1 - x0, y1 - y0))
    merged.docinfo["/Title"] = title
    merged.docinfo["/Producer"] = "letters"
    out = io.BytesIO()
    merged.save(out, deterministic_id=True)
    return out.getvalue(), len(merged.pages)
