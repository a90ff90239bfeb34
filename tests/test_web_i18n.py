"""The page's words go through gettext: the catalogue template is complete, and a
translation is one .po file, read as data when the page starts."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from letters.api import Desk
from letters.web import i18n
from letters.web.app import Settings, create_app
from tests.conftest import CAMPAIGNS

WEB = Path(i18n.__file__).parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def ids_in_code() -> set[str]:
    """Every string the page's code and templates pass to gettext (the singular of a plural)."""
    found = extract_from_dir(str(WEB), METHODS, options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}})
    return {message if isinstance(message, str) else message[0] for _file, _line, message, *_ in found}


def test_the_catalogue_template_lists_every_string_of_the_page():
    with (WEB / "translations" / "messages.pot").open("rb") as handle:
        catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    in_code = ids_in_code()
    assert len(in_code) > 80
    assert in_code == catalogue, ("translations/messages.pot is stale: run pybabel extract as translations/babel.cfg says; "
                                  f"missing {sorted(in_code - catalogue)[:5]}, gone {sorted(catalogue - in_code)[:5]}")


def test_a_translation_is_a_po_file_read_when_the_page_starts(tmp_path: Path):
    (tmp_path / "de.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Choose someone to write to"\nmsgstr "Wählen Sie, wem Sie schreiben"\n', encoding="utf-8")
    desk = Desk(CAMPAIGNS / "evening")
    app = create_app(desk, Settings("CODE123456", locale="de", translations=tmp_path))
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Wählen Sie, wem Sie schreiben" in page
    assert "People who have had the fewest letters come first" in page  # untranslated strings stay English
    english = create_app(desk, Settings("CODE123456")).test_client().get("/").get_data(as_text=True)
    assert "Choose someone to write to" in english
    assert i18n.available(tmp_path) == ["de", "en"]


def test_a_missing_translation_is_a_clear_error(tmp_path: Path):
    try:
        i18n.load("fr", tmp_path)
    except ValueError as exc:
        assert "no translation 'fr'" in str(exc)
    else:
        raise AssertionError("a missing translation was accepted")
