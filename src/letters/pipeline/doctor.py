"""`letters doctor`: what this machine has for rendering, in plain words."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from ..core.fonts import FONT_DIR, FONT_FAMILIES
from . import subsetting
from .render import weasyprint_module

# Letters that an incomplete Cyrillic font shows as empty boxes.
PROBE = {"be": "ЎўІіʼЁё", "ru": "ЁёЩщЪъЫы№"}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def font_checks() -> list[Check]:
    """Does each bundled font cover the Belarusian and Russian probe letters?"""
    from fontTools.ttLib import TTFont

    checks = []
    for family, faces in FONT_FAMILIES.items():
        for filename in faces.values():
            cmap = TTFont(FONT_DIR / filename, lazy=True).getBestCmap()
            missing = [c for c in "".join(PROBE.values()) if ord(c) not in cmap]
            detail = f"{family} ({filename}): " + (
                f"lacks {' '.join(missing)}" if missing else f"Belarusian {PROBE['be']} and Russian {PROBE['ru']}"
            )
            checks.append(Check("font", not missing, detail))
    return checks


def run_checks() -> list[Check]:
    checks = [Check("python", True, platform.python_version())]
    try:
        weasyprint = weasyprint_module()
    except Exception as exc:  # the message already says what to install
        return [*checks, Check("weasyprint", False, str(exc))]
    from weasyprint.text.ffi import pango

    version = pango.pango_version()
    checks.append(Check("weasyprint", True, weasyprint.__version__))
    checks.append(Check("pango", True, f"{version // 10000}.{version // 100 % 100}.{version % 100}"))
    checks.append(Check("harfbuzz subsetter", subsetting.path() == "harfbuzz", subsetting.describe()))
    return [*checks, *font_checks()]
