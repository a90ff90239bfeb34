"""The interface's translations: gettext catalogues as data.

The page is in English; every string goes through gettext. A translation is one
file, `translations/<locale>.po` (made from `translations/messages.pot` with
`pybabel init -i messages.pot -d . -l de` or any PO editor), read when the page
starts: nothing to compile.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

FOLDER = Path(__file__).parent / "translations"


def available(folder: Path = FOLDER) -> list[str]:
    return sorted(["en", *(p.stem for p in Path(folder).glob("*.po"))])


def load(locale: str | None, folder: Path = FOLDER) -> NullTranslations:
    """The catalogue for `locale` ('en', or None: the interface's own words)."""
    if not locale or locale == "en":
        return NullTranslations()
    path = Path(folder) / f"{locale}.po"
    if not path.is_file():
        raise ValueError(f"no translation {locale!r} of the page: add {path} (there are: {', '.join(available(folder))})")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)
