"""Rendered PDFs read back: text, fonts, page sizes, metadata, the file jail."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from letters.api import build_campaign
from letters.core.fonts import FONT_DIR, FONT_FAMILIES

from .conftest import documents, pdf_text

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)


def face_key(pdf_font_name: str) -> frozenset[str]:
    """WeasyPrint names fonts 'HASH+PT-Serif-Bold-Italic' from Pango's description."""
    return frozenset(pdf_font_name.split("+", 1)[-1].split("-")) - {"Regular", "Normal"}


@cache
def bundled_cmaps() -> dict[frozenset[str], set[int]]:
    """Words of a bundled face's name -> code points it covers."""
    cmaps = {}
    for family, faces in FONT_FAMILIES.items():
        for (style, weight), filename in faces.items():
            words = {*family.split(), *(w.title() for w in (style, weight) if w != "normal")}
            cmaps[frozenset(words)] = set(TTFont(FONT_DIR / filename, lazy=True).getBestCmap())
    return cmaps


def assert_every_glyph_covered(path: Path) -> None:
    """Every character on every page is drawn with a bundled font that has a glyph for it."""
    cmaps = bundled_cmaps()
    with pdfplumber.open(path) as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    assert chars, f"{path} has no text"
    for char in chars:
        key = face_key(char["fontname"])
        assert key in cmaps, f"{path}: {char['text']!r} drawn with unbundled font {char['fontname']}"
        for letter in char["text"]:
            assert ord(letter) in cmaps[key], f"{path}: no glyph for {letter!r} in {char['fontname']}"


def assert_fonts_embedded(path: Path) -> None:
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{path}: {font['/BaseFont']} not embedded"


def page_sizes(path: Path) -> set[tuple[float, float]]:
    return {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in PdfReader(path).pages}


def test_letters_greet_each_person_by_their_cyrillic_name(minimal_build, tmp_path):
    from letters.api import render_document

    from .conftest import CAMPAIGNS

    out = minimal_build.out_dir
    be = pdf_text(out / documents(minimal_build, product="letter", lang="be")[0]["path"])
    ru = pdf_text(out / documents(minimal_build, product="letter", lang="ru")[0]["path"])
    assert "Дарагая Алена!" in be and "Дорогая Алёна!" in ru
    render_document(CAMPAIGNS / "minimal", "letter", "alena-testava", tmp_path / "p.pdf", lang="be", phrases=["weather.12"])
    assert "верабʼі" in pdf_text(tmp_path / "p.pdf")  # the Belarusian apostrophe, not a box


def test_greeting_agrees_with_gender(campaign, tmp_path):
    root = campaign("minimal")
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("gender: female", "gender: male"), encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", products=["letter"])
    texts = {d["lang"]: pdf_text(result.out_dir / d["path"]) for d in documents(result, product="letter")}
    # a man: "Дарагі" and the vocative in Belarusian; without a vocative in the profile, no name at all
    assert texts["be"].startswith("Добры дзень!") and "Дарагая" not in texts["be"] and "Дорогой Алёна!" in texts["ru"]
    profile.write_text(profile.read_text(encoding="utf-8").replace("last: Тэставая}", "last: Тэставая, vocative: Алёна}"), encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", products=["letter"])
    [be] = documents(result, product="letter", lang="be")
    assert "Дарагі Алёна!" in pdf_text(result.out_dir / be["path"])


def test_every_document_has_embedded_fonts_covering_every_character(minimal_build):
    docs = documents(minimal_build)
    assert {d["product"] for d in docs} == {"letter", "writer-sheet", "appeal"}
    for doc in docs:
        path = minimal_build.out_dir / doc["path"]
        assert_fonts_embedded(path)
        assert_every_glyph_covered(path)


def test_page_sizes_follow_the_paper_asked_for(minimal_build, tmp_path):
    for doc in documents(minimal_build):
        assert page_sizes(minimal_build.out_dir / doc["path"]) == {A4}
    from .conftest import CAMPAIGNS

    letter = build_campaign(CAMPAIGNS / "minimal", tmp_path / "letter", paper="letter")
    assert letter.ok
    for doc in documents(letter):
        assert doc["paper"] == "letter"
        assert page_sizes(letter.out_dir / doc["path"]) == {LETTER}


def test_appeals_fit_on_one_page_and_state_the_case(minimal_build):
    appeals = documents(minimal_build, product="appeal", prisoner="alena-testava")
    assert {d["lang"] for d in appeals} == {"en", "ru"}
    for doc in appeals:
        assert doc["pages"] == 1 == len(PdfReader(minimal_build.out_dir / doc["path"]).pages)
    en = pdf_text(minimal_build.out_dir / documents(minimal_build, product="appeal", prisoner="alena-testava", lang="en")[0]["path"])
    for fact in ["Dear Prosecutor General,", "Alena Testava", "14 July 2021", "Test Penal Colony No. 1",
                 "Article 342, Part 1; Article 361-1 of the Criminal Code", "5 years 6 months", "immediately and unconditionally",
                 "lawyers", "medical care", "correspondence", "15 January 2026"]:
        assert fact in en.replace("\n", " ").replace("\xa0", " "), fact
    ru = pdf_text(minimal_build.out_dir / documents(minimal_build, product="appeal", prisoner="alena-testava", lang="ru")[0]["path"])
    for fact in ["Уважаемый господин Генеральный прокурор!", "Тестовая Алёна", "14 июля 2021", "ч. 1 ст. 342", "5 лет 6 месяцев"]:
        assert fact in ru.replace("\n", " ").replace("\xa0", " "), fact


def test_an_appeal_that_overflows_one_page_fails_clearly(campaign, tmp_path):
    root = campaign("minimal")
    profile = root / "prisoners" / "alena-testava.yaml"
    long_role = "a very long description " * 200
    profile.write_text(profile.read_text(encoding="utf-8").replace("role: {en: fictional librarian,", f"role: {{en: {long_role},"), encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", products=["appeal"])
    [failure] = result.failures
    assert failure.subject == "appeal-alena-testava-en" and "must fit on 1" in failure.message
    assert not (tmp_path / "out" / failure.file).exists()


def test_writer_sheet_has_gloss_address_and_guidance(minimal_build):
    [doc] = documents(minimal_build, product="writer-sheet", lang="ru")
    text = pdf_text(minimal_build.out_dir / doc["path"]).replace("\n", " ")
    for expected in ["Алёна Тестовая", "ИК №1", "ул. Ўзорная, 1", "000000, г. Тэставы", "REPUBLIC OF BELARUS",
                     "Дорогая Алёна!", "Dear Alena!", "Меня зовут", "My name is", "No politics", "Fictional librarian",
                     "https://example.org/alena"]:
        assert expected in text, expected


def test_prisoner_mail_carries_no_latin_script_and_no_sender(minimal_build):
    import re

    for doc in documents(minimal_build, audience="prisoner"):
        text = pdf_text(minimal_build.out_dir / doc["path"])
        assert not re.search(r"[A-Za-z]", text), f"Latin script in {doc['path']}: {text}"


def test_metadata_has_a_title_and_no_dates_or_author(minimal_build):
    for doc in documents(minimal_build):
        info = PdfReader(minimal_build.out_dir / doc["path"]).metadata
        assert info.title == doc["title"] and info.title
        assert "/CreationDate" not in info and "/ModDate" not in info and "/Author" not in info


def test_hostile_profile_renders_as_inert_text(campaign, tmp_path):
    root = campaign("hostile", base="minimal")
    result = build_campaign(root, tmp_path / "out", products=["writer-sheet", "appeal"])
    assert result.ok, result.failures
    [sheet] = documents(result, product="writer-sheet", lang="be")
    text = pdf_text(result.out_dir / sheet["path"]).replace("\n", " ")
    assert "<b>bold</b> {{ 7*7 }} {% if true %}JINJA{% endif %}" in text
    assert '<img src="file:///etc/passwd">' in text and "{{ ''.__class__.__mro__ }}" in text
    assert "root:x:0" not in text and " 49 " not in text
    [appeal] = documents(result, product="appeal", prisoner="alena-testava", lang="ru")
    assert "<script>alert(1)</script>" in pdf_text(result.out_dir / appeal["path"])
    for doc in documents(result):
        reader = PdfReader(result.out_dir / doc["path"])
        for page in reader.pages:
            xobjects = page["/Resources"].get("/XObject", {})
            assert not xobjects, f"{doc['path']} embeds an image from profile text"


def test_template_reaching_for_python_internals_fails_with_a_sandbox_error(campaign, tmp_path):
    root = campaign("sandbox-escape", base="minimal")
    result = build_campaign(root, tmp_path / "out")
    failed = {f.subject: f.message for f in result.failures}
    assert set(failed) == {"letter-alena-testava-be", "letter-alena-testava-ru"}
    assert all("refused by the sandbox" in reason for reason in failed.values())
    assert documents(result, product="appeal"), "one broken template must not stop the others"


def test_template_reading_a_file_outside_the_jail_fails_cleanly(campaign, tmp_path):
    root = campaign("file-jail", base="minimal")
    result = build_campaign(root, tmp_path / "out", products=["writer-sheet"])
    assert {f.subject for f in result.failures} == {"writer-sheet-alena-testava-be", "writer-sheet-alena-testava-ru"}
    assert all("outside the campaign, template and font folders" in f.message for f in result.failures)
    assert not list((tmp_path / "out").rglob("*.pdf"))


def test_network_resources_are_refused(campaign, tmp_path):
    root = campaign("file-jail", base="minimal")
    template = root / "templates" / "sheet" / "writer.html"
    template.write_text(template.read_text(encoding="utf-8").replace("file:///etc/passwd", "http://127.0.0.1:9/x.png"), encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", products=["writer-sheet"])
    assert result.failures and all("never the network" in f.message for f in result.failures)


def test_campaign_override_extends_the_builtin_template(campaign, tmp_path):
    root = campaign("override", base="minimal")
    result = build_campaign(root, tmp_path / "out", products=["letter"])
    [doc] = documents(result, lang="be")
    text = pdf_text(result.out_dir / doc["path"])
    assert "Дарагая Алена!" in text and "Да хуткай сустрэчы з кнігамі!" in text


@pytest.mark.parametrize("product", ["letter", "writer-sheet", "appeal"])
def test_example_campaign_documents_read_back(example_build, product):
    from letters.data.load import load_campaign

    from .conftest import EXAMPLE

    data = load_campaign(EXAMPLE)
    docs = documents(example_build, product=product)
    assert docs
    for doc in docs:
        path = example_build.out_dir / doc["path"]
        prisoner = data.prisoners[doc["prisoner"]]
        assert prisoner.status == "imprisoned"
        names = prisoner.names
        name = {"be": names.be, "ru": names.ru, "en": names.latin}[doc["lang"]]
        first = name.official_first or name.first if product == "appeal" else name.first  # appeals: the official name
        assert first in pdf_text(path)
        assert_every_glyph_covered(path)


def test_a_character_the_bundled_fonts_lack_fails_the_document(campaign, tmp_path):
    root = campaign("minimal")
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("Likes gardens", "Likes 漢字 and gardens"), encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", products=["writer-sheet"])
    assert {f.subject for f in result.failures} == {"writer-sheet-alena-testava-be", "writer-sheet-alena-testava-ru"}
    assert "empty boxes): 字 (U+5B57), 漢 (U+6F22)" in result.failures[0].message


def test_the_glyph_check_catches_a_fallback_font(tmp_path):
    from letters.pipeline.render import Renderer

    pdf, _ = Renderer.shared().render('<p style="font-family: DejaVu Sans">Ўзор</p>', tmp_path, [tmp_path])
    (tmp_path / "fallback.pdf").write_bytes(pdf)
    with pytest.raises(AssertionError, match="unbundled font"):
        assert_every_glyph_covered(tmp_path / "fallback.pdf")


def test_the_quick_library_lookup_finds_what_ctypes_finds_and_is_undone():
    import ctypes.util

    from letters.pipeline.render import quick_library_lookup

    original = ctypes.util.find_library
    expected = {name: original(name) for name in ("pango-1.0", "gobject-2.0", "libpango-1.0-0", "no-such-library")}
    with quick_library_lookup():
        found = {name: ctypes.util.find_library(name) for name in expected}
    assert found == expected and expected["pango-1.0"] and expected["no-such-library"] is None
    assert ctypes.util.find_library is original


def test_a_render_that_runs_away_is_stopped_with_a_clear_failure(monkeypatch):
    from letters.core.errors import RenderError
    from letters.pipeline import render

    slow = "<html><body>" + "".join(f"<p>Радок {i} " + "слова " * 200 + "</p>" for i in range(300)) + "</body></html>"
    monkeypatch.setattr(render, "SECONDS_PER_DOCUMENT", 0.05)
    monkeypatch.setattr(render, "SECONDS_PER_MEGABYTE", 0.0)
    with pytest.raises(RenderError, match="longer than 0 s, so it was stopped"):
        render.Renderer.shared().render(slow, Path("."), [])
    [outcome] = render.render_chunk([slow], Path("."), [])  # in a build: that document's failure, not the build's
    assert isinstance(outcome, str) and "so it was stopped" in outcome
    assert render.seconds_for("x" * 2_000_000) == pytest.approx(0.05)  # the patched figures
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no timer left behind
