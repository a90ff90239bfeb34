"""PNG: pictures of a document's pages, to look at before printing.

Pages are drawn by pypdfium2 (PDFium in a wheel: no system poppler at run
time) and joined with Pillow. The same PDF gives the same pixels, and the PNG
is written without metadata that changes, so previews are reproducible.
`contact_sheet` puts many documents' pages, named, on one picture.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache

from ...core.fonts import FONT_DIR
from .base import Output

PREVIEW_DPI = 100  # a page of A4 is 827 x 1169 pixels: legible on a screen
THUMB_WIDTH = 180  # a contact sheet's page, in pixels
GAP = 16
BACKGROUND = (236, 236, 236)


def page_images(pdf: bytes, dpi: float = PREVIEW_DPI) -> list:
    """Every page of a PDF as a PIL image (white paper, RGB)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def png_bytes(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def side_by_side(images: list):
    """Pages next to each other on a grey ground, tops aligned: one picture of a document."""
    from PIL import Image

    width = sum(i.width for i in images) + GAP * (len(images) + 1)
    height = max(i.height for i in images) + 2 * GAP
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    x = GAP
    for image in images:
        sheet.paste(image, (x, GAP))
        x += image.width + GAP
    return sheet


def encode(pdf: bytes) -> bytes:
    """A document as one PNG: its pages side by side."""
    return png_bytes(side_by_side(page_images(pdf)))


@cache
def _label_font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT_DIR / "PTSans-Regular.ttf"), size)


def contact_sheet(title: str, documents: Iterable[tuple[str, bytes]], columns: int = 6, dpi: float = 24) -> bytes:
    """One picture of many documents: a thumbnail of every page, each named "<name> p. N".

    An organizer sees a whole product (or pack) at one glance before printing.
    """
    from PIL import Image, ImageDraw

    thumbs = []
    for name, pdf in documents:
        pages = page_images(pdf, dpi)
        for number, page in enumerate(pages, start=1):
            scale = THUMB_WIDTH / page.width
            thumb = page.resize((THUMB_WIDTH, max(1, round(page.height * scale))), Image.Resampling.LANCZOS)
            label = name if len(pages) == 1 else f"{name} p. {number}"
            thumbs.append((label, thumb))
    font, heading = _label_font(13), _label_font(20)
    label_h = 36
    cell_h = max((t.height for _, t in thumbs), default=0) + label_h
    rows = max(1, -(-len(thumbs) // columns))
    width = GAP + columns * (THUMB_WIDTH + GAP)
    top = 48
    sheet = Image.new("RGB", (width, top + rows * (cell_h + GAP)), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((GAP, 12), title, fill=(20, 20, 20), font=heading)
    for i, (label, thumb) in enumerate(thumbs):
        r, c = divmod(i, columns)
        x, y = GAP + c * (THUMB_WIDTH + GAP), top + r * (cell_h + GAP)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb.width, y + thumb.height), outline=(150, 150, 150))
        for k, line in enumerate(_wrap(label, draw, font, THUMB_WIDTH)[:2]):
            draw.text((x, y + thumb.height + 4 + 15 * k), line, fill=(40, 40, 40), font=font)
    return png_bytes(sheet)


def _wrap(text: str, draw, font, width: int) -> list[str]:
    """Break a label at dashes and spaces so it fits under its thumbnail."""
    lines, current = [], ""
    for part in text.replace("-", "-\u0000").replace(" ", " \u0000").split("\u0000"):
        if current and draw.textlength(current + part, font=font) > width:
            lines.append(current.rstrip())
            current = part
        else:
            current += part
    return [*lines, current.rstrip()] if current else lines


OUTPUT = Output("png", ".png", "image/png", encode=encode)
