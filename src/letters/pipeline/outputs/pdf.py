"""PDF: the document as the renderer made it, for printing."""

from __future__ import annotations

from .base import Output

OUTPUT = Output("pdf", ".pdf", "application/pdf", encode=lambda pdf: pdf, bundles=True)
