"""Print products measured on the paper: sizes, zones, crop marks, duplex flips, label pitch.

Every test reads a real PDF back with pdfplumber (positions in points from the
top-left, converted to mm) and compares it with the published geometry.
"""

from __future__ import annotations

import itertools
import shutil

import pdfplumber
import pytest

from letters.api import build_campaign, render_document
from letters.core.errors import LettersError
from letters.pipeline.manifest import read_manifest
from letters.products import cards, envelopes, labels
from letters.products import paper as geometry
from letters.products.cards import CARD_SIZES
from letters.products.paper import SPARE_MM, Box
from letters.products.registry import builtin_registry

from .conftest import CAMPAIGNS, documents

ENVELOPES = builtin_registry().envelopes
LABEL_SHEETS = builtin_registry().label_sheets
MM = 72 / 25.4
TOL = 0.05  # mm: what "exactly" means for positions read back from a PDF


def mm(points: float) -> float:
    return points / MM


def text_lines(page) -> list[dict]:
    """Lines of text with their boxes in mm from the page's top-left corner."""
    return [
        {"text": line["text"], "x0": mm(line["x0"]), "x1": mm(line["x1"]), "top": mm(line["top"]), "bottom": mm(line["bottom"])}
        for line in page.extract_text_lines(strip=True)
    ]


def inside(line: dict, box: Box, spare: float = SPARE_MM) -> bool:
    return (
        line["x0"] >= box.x + spare - TOL
        and line["x1"] <= box.right - spare + TOL
        and line["top"] >= box.y + spare - TOL
        and line["bottom"] <= box.bottom - spare + TOL
    )


def make_campaign(tmp_path, **campaign_yaml: str):
    """The print-shop fixture over the minimal campaign; keyword arguments replace campaign.yaml lines."""
    root = tmp_path / "print-shop"
    shutil.copytree(CAMPAIGNS / "minimal", root)
    shutil.copytree(CAMPAIGNS / "print-shop", root, dirs_exist_ok=True)
    if campaign_yaml:
        path = root / "campaign.yaml"
        text = path.read_text(encoding="utf-8")
        for key, value in campaign_yaml.items():
            text += f"{key}: {value}\n"
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = make_campaign(tmp_path_factory.mktemp("shop"))
    result = build_campaign(root, tmp_path_factory.mktemp("shop-out"), jobs=1)
    assert result.ok, result.failures
    return result


def one(result, **match) -> pdfplumber.PDF:
    docs = documents(result, **match)
    assert len(docs) == 1, docs
    return pdfplumber.open(result.out_dir / docs[0]["path"])


# ------------------------------------------------------------------ postcards


def within(page, box: Box):
    """The part of a page inside a box (pdfplumber keeps the page's coordinates)."""
    return page.within_bbox((max(0, box.x * MM), max(0, box.y * MM), min(page.width, box.right * MM), min(page.height, box.bottom * MM)))


def cards_on(page, paper: str) -> list[tuple[Box, list[dict]]]:
    """Each card slot of a sheet side with the text lines inside it."""
    return [(slot, text_lines(within(page, slot))) for slot in cards.card_slots(paper)]


def test_postcard_sheets_are_a4_with_four_a6_cards_and_content_in_the_safe_area(shop):
    with one(shop, product="postcard", prisoner=None, lang="be") as pdf:
        assert len(pdf.pages) == 4  # five cards: two sheets, front and back each
        for page in pdf.pages:
            assert (round(mm(page.width), 1), round(mm(page.height), 1)) == (210.0, 297.0)
            for slot, lines in cards_on(page, "a4"):
                assert (slot.w, slot.h) == CARD_SIZES["a4"]
                for line in lines:
                    assert inside(line, slot, geometry.SAFE_MM), (line, slot)
            # no character outside the cards
            assert sum(len(within(page, slot).chars) for slot in cards.card_slots("a4")) == len(page.chars)


def test_crop_marks_lie_on_the_cut_lines_outside_every_cards_safe_area_and_inside_the_printable_sheet(shop):
    with one(shop, product="postcard", prisoner=None, lang="be") as pdf:
        page = pdf.pages[0]
        slots = cards.card_slots("a4")
        cut_x, cut_y = slots[1].x, slots[2].y
        # WeasyPrint paints a border as filled paths, some degenerate: keep one per place
        hairlines = [r for r in page.rects if 0 < min(r["width"], r["height"]) < 1]
        marks = list({(round(r["x0"]), round(r["top"])): r for r in hairlines}.values())
        assert len(marks) == 4
        for r in marks:
            x0, x1, top, bottom = mm(r["x0"]), mm(r["x1"]), mm(r["top"]), mm(r["bottom"])
            vertical = (bottom - top) > (x1 - x0)
            if vertical:
                assert abs(x0 - cut_x) < 0.2
            else:
                assert abs(top - cut_y) < 0.2
            assert x0 >= geometry.PRINTER_EDGE_MM - TOL and x1 <= 210 - geometry.PRINTER_EDGE_MM + TOL
            assert top >= geometry.PRINTER_EDGE_MM - TOL and bottom <= 297 - geometry.PRINTER_EDGE_MM + TOL
            for slot in slots:
                safe = slot.inset(geometry.SAFE_MM)
                assert x1 <= safe.x or x0 >= safe.right or bottom <= safe.y or top >= safe.bottom


def front_names(page, paper) -> dict[int, str]:
    """Slot -> the first name the front greets ("Добры дзень, Алена!")."""
    out = {}
    for i, (_, lines) in enumerate(cards_on(page, paper)):
        greeting = [ln["text"] for ln in lines if ln["text"].endswith("!")]
        if greeting:
            out[i] = greeting[0].split(", ")[-1].rstrip("!")
    return out


def back_names(page, paper) -> dict[int, str]:
    """Slot -> the first line of the back's address block (the person's name)."""
    out = {}
    for i, (slot, lines) in enumerate(cards_on(page, paper)):
        address_side = slot.x + slot.w * cards.CARD_DIVIDER
        block = [ln for ln in lines if ln["x0"] > address_side]
        if block:
            out[i] = min(block, key=lambda ln: ln["top"])["text"]
    return out


def flipped(slot: int, edge: str) -> int:
    """Where a point printed on the back at `slot` lands after turning the sheet over."""
    r, c = divmod(slot, 2)
    return r * 2 + (1 - c) if edge == "long" else (1 - r) * 2 + c


@pytest.mark.parametrize("duplex", ["long", "short"])
def test_duplex_puts_each_back_behind_its_own_front(tmp_path, duplex):
    root = make_campaign(tmp_path, print=f"{{duplex: {duplex}}}")
    out = tmp_path / "out"
    result = build_campaign(root, out, ["postcard"], jobs=1)
    with one(result, product="postcard", prisoner=None, lang="ru") as pdf:
        assert len(pdf.pages) == 4
        for sheet in (0, 1):
            fronts = front_names(pdf.pages[2 * sheet], "a4")
            backs = back_names(pdf.pages[2 * sheet + 1], "a4")
            assert fronts and len(fronts) == len(backs)
            for slot, address_name in backs.items():
                assert fronts[flipped(slot, duplex)] in address_name.split()


def test_a_card_back_has_sixteen_writing_lines_under_its_words(shop):
    """The lines are one SVG path; read back from the PDF, each card's message zone holds its
    rules 7.5 mm apart (plus the rule's weight), as long as the zone is wide."""
    zones = cards.card_back_zones("a4")
    with one(shop, product="postcard", prisoner="sergei-rossiiski", lang="ru") as pdf:
        back = pdf.pages[1]
        rules = [e for e in back.edges if e["orientation"] == "h"]
        for slot, _ in cards_on(back, "a4"):
            zone = zones["message"].moved(slot.x, slot.y)
            mine = sorted({round(mm(e["top"]), 2) for e in rules if zone.x - TOL <= mm(e["x0"]) <= zone.x + TOL
                           and mm(e["x1"]) >= zone.right - TOL and zone.y <= mm(e["top"]) <= zone.bottom})
            assert 10 <= len(mine) <= cards.RULED_LINES, mine
            gaps = {round(b - a, 2) for a, b in itertools.pairwise(mine)}
            assert gaps <= {round(cards.LINE_PITCH_MM + cards.RULE_PT * 25.4 / 72 + d, 2) for d in (-0.01, 0, 0.01)}, gaps


def test_single_sided_cards_print_all_fronts_then_backs_in_the_same_places(tmp_path):
    root = make_campaign(tmp_path, print="{duplex: off}")
    result = build_campaign(root, tmp_path / "out", ["postcard"], jobs=1)
    with one(result, product="postcard", prisoner=None, lang="ru") as pdf:
        fronts = [front_names(p, "a4") for p in pdf.pages[:2]]
        backs = [back_names(p, "a4") for p in pdf.pages[2:]]
        assert [len(f) for f in fronts] == [4, 1]
        for front, back in zip(fronts, backs, strict=True):
            assert all(name in back[slot].split() for slot, name in front.items())


def test_postcard_for_one_person_is_four_copies_and_the_address_fits_the_back(shop):
    with one(shop, product="postcard", prisoner="sergei-rossiiski", lang="ru") as pdf:
        assert len(pdf.pages) == 2
        assert set(front_names(pdf.pages[0], "a4").values()) == {"Сергей"}
        zones = cards.card_back_zones("a4")
        for slot, lines in cards_on(pdf.pages[1], "a4"):
            address = zones["address"].moved(slot.x, slot.y)
            block = [ln for ln in lines if ln["x0"] > slot.x + slot.w * cards.CARD_DIVIDER]
            assert block[0]["text"] == "Российский Сергей Сергеевич, 1985 г. р."
            assert block[-1]["text"] == "RUSSIA"
            assert address.bottom - SPARE_MM - block[-1]["bottom"] < 1, "the address sits at the bottom of its zone"
            for line in block:
                assert inside(line, address), line
                assert line["x1"] <= slot.right - geometry.SAFE_MM + TOL


@pytest.mark.parametrize("design,greeting", [("plain", "Добры дзень"), ("birthday", "З днём нараджэння"), ("new-year", "З Новым годам")])
def test_card_designs_greet_in_belarusian(tmp_path, design, greeting):
    root = make_campaign(tmp_path)
    name = "postcard" if design == "plain" else f"postcard-{design}"
    out = tmp_path / "card.pdf"
    render_document(root, name, "alena-testava", out, lang="be")
    with pdfplumber.open(out) as pdf:
        texts = [ln["text"] for _, lines in cards_on(pdf.pages[0], "a4") for ln in lines]
    assert texts == [f"{greeting}, Алена!"] * 4


def test_quarter_letter_cards_on_us_letter(tmp_path):
    root = make_campaign(tmp_path)
    out = tmp_path / "cards.pdf"
    render_document(root, "postcard", "alena-testava", out, lang="ru", paper="letter")
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[1]
        assert (round(mm(page.width), 1), round(mm(page.height), 1)) == (215.9, 279.4)
        for slot, lines in cards_on(page, "letter"):
            assert (round(slot.w / 25.4, 3), round(slot.h / 25.4, 3)) == (4.25, 5.5)
            assert lines and all(inside(ln, slot, geometry.SAFE_MM) for ln in lines)


# ------------------------------------------------------------------ envelopes and windows


@pytest.mark.parametrize("size", sorted(ENVELOPES))
def test_envelope_page_is_the_envelope_and_the_address_sits_in_its_zone(tmp_path, size):
    root = make_campaign(tmp_path)
    out = tmp_path / "envelope.pdf"
    render_document(root, f"envelope-{size}", "sergei-rossiiski", out)
    envelope = ENVELOPES[size]
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        assert abs(mm(page.width) - envelope.w) < 0.1 and abs(mm(page.height) - envelope.h) < 0.1
        lines = text_lines(page)
    assert [ln["text"] for ln in lines] == [
        "Российский Сергей Сергеевич, 1985 г. р.", "ФКУ ИК-7 УФСИН России", "по Тестовой области",
        "ул. Лагерная, 7", "п. Тестовый, 600000", "RUSSIA",
    ]
    for line in lines:
        assert inside(line, envelope.zone), (line, envelope.zone)


def test_belarus_envelope_has_no_return_address_unless_the_campaign_sets_one(tmp_path):
    root = make_campaign(tmp_path)
    out = tmp_path / "plain.pdf"
    render_document(root, "envelope-dl", "alena-testava", out, lang="be")
    with pdfplumber.open(out) as pdf:
        assert [ln["text"] for ln in text_lines(pdf.pages[0])] == [
            "Алена Тэставая", "ИК №1", "ул. Ўзорная, 1", "000000, г. Тэставы", "REPUBLIC OF BELARUS"]
    root2 = make_campaign(tmp_path / "with-sender", sender="{name: Ганна Адпраўшчыца, address: [\"Wilcza 1\", \"00-001 Warszawa\", POLAND], on_prisoner_mail: true}")
    render_document(root2, "envelope-dl", "alena-testava", out, lang="be")
    with pdfplumber.open(out) as pdf:
        lines = text_lines(pdf.pages[0])
    back = [ln for ln in lines if ln["top"] < 40]
    assert [ln["text"] for ln in back] == ["Ганна Адпраўшчыца", "Wilcza 1", "00-001 Warszawa", "POLAND"]
    assert all(inside(ln, envelopes.RETURN_BOX, 0) for ln in back)


def test_window_letter_puts_the_address_in_the_din_window_with_fold_marks(shop):
    with one(shop, product="letter-window", prisoner="alena-testava", lang="be") as pdf:
        page = pdf.pages[0]
        lines = text_lines(page)
        marks = sorted(mm(r["top"]) for r in page.rects if r["x0"] < 15 * MM)
    address = [ln for ln in lines if ln["top"] < envelopes.WINDOW.bottom]
    assert [ln["text"] for ln in address] == ["Алена Тэставая", "ИК №1", "ул. Ўзорная, 1", "000000, г. Тэставы", "REPUBLIC OF BELARUS"]
    for line in address:
        assert inside(line, envelopes.WINDOW_ADDRESS_ZONE), line
        assert line["x0"] >= envelopes.WINDOW_TEXT_LEFT - TOL
    assert [round(m, 1) for m in marks] == [105.0, 148.5, 210.0]
    assert min(ln["top"] for ln in lines if ln not in address) > envelopes.WINDOW.bottom


def test_window_appeal_shows_the_addressee_and_stays_on_one_page(shop):
    with one(shop, product="appeal-window", prisoner="alena-testava", lang="en") as pdf:
        assert len(pdf.pages) == 1
        address = [ln for ln in text_lines(pdf.pages[0]) if ln["top"] < envelopes.WINDOW.bottom]
    assert address[0]["text"] == "Test Official"
    assert all(inside(ln, envelopes.WINDOW_ADDRESS_ZONE) for ln in address)


def test_window_letters_are_a4_only(tmp_path):
    root = make_campaign(tmp_path)
    result = build_campaign(root, tmp_path / "out", ["letter-window"], paper="letter", jobs=1)
    assert not documents(result) and any("a4 paper only" in s.message for s in result.skipped)


# ------------------------------------------------------------------ labels


def labels_by_cell(page, sheet, dx: float = 0, dy: float = 0) -> dict[int, list[dict]]:
    """Label number -> its text lines (cells moved by a calibration offset, if any)."""
    cells = {}
    for n in range(sheet.per_sheet):
        lines = text_lines(within(page, labels.label_cell(sheet, n).moved(dx, dy)))
        if lines:
            cells[n + 1] = lines
    return cells


@pytest.mark.parametrize("paper,sheet_name", [("a4", "L7160"), ("letter", "5160")])
def test_labels_start_at_the_published_origins_and_pitch(tmp_path, paper, sheet_name):
    root = make_campaign(tmp_path)
    result = build_campaign(root, tmp_path / "out", ["labels"], paper=paper, jobs=1)
    sheet = LABEL_SHEETS[sheet_name]
    with one(result, product="labels") as pdf:
        page = pdf.pages[0]
        assert abs(mm(page.width) - geometry.PAPERS[paper].w) < 0.1
        cells = labels_by_cell(page, sheet)
    assert sorted(cells) == [1, 2, 3, 4, 5]
    for n, lines in cells.items():
        r, c = divmod(n - 1, sheet.cols)
        left = sheet.x0 + c * sheet.dx
        middle = sheet.y0 + r * sheet.dy + sheet.h / 2
        assert abs(min(ln["x0"] for ln in lines) - labels.LABEL_PADDING_MM - left) < 0.5
        # the block is centred in its label (glyph boxes are not line boxes: 0.75 mm);
        # the exact vertical pitch is measured by the --start test below
        block_middle = (min(ln["top"] for ln in lines) + max(ln["bottom"] for ln in lines)) / 2
        assert abs(block_middle - middle) < 0.75
        cell = labels.label_cell(sheet, n - 1)
        assert all(inside(ln, cell) for ln in lines), (n, lines)


def test_label_start_skips_used_labels_and_offsets_move_everything_exactly(tmp_path):
    root = make_campaign(tmp_path)
    plain = build_campaign(root, tmp_path / "plain", ["labels"], jobs=1)
    moved = build_campaign(root, tmp_path / "moved", ["labels"], jobs=1,
                           print_options={"label_start": 20, "offset_x_mm": 1.5, "offset_y_mm": -2.0})
    sheet = LABEL_SHEETS["L7160"]
    with one(plain, product="labels") as a, one(moved, product="labels") as b:
        assert len(a.pages) == 1 and len(b.pages) == 2  # labels 20 and 21, then three on a new sheet
        before = labels_by_cell(a.pages[0], sheet)
        after = [labels_by_cell(p, sheet, 1.5, -2.0) for p in b.pages]
    assert sorted(after[0]) == [20, 21] and sorted(after[1]) == [1, 2, 3]
    moved_labels = [(20, after[0][20]), (21, after[0][21]), *((n, after[1][n]) for n in (1, 2, 3))]
    for n, (new_number, lines) in enumerate(moved_labels, start=1):
        old_cell, new_cell = labels.label_cell(sheet, n - 1), labels.label_cell(sheet, new_number - 1)
        for old, new in zip(before[n], lines, strict=True):
            assert old["text"] == new["text"]
            assert abs(new["x0"] - old["x0"] - (new_cell.x - old_cell.x + 1.5)) < TOL
            assert abs(new["top"] - old["top"] - (new_cell.y - old_cell.y - 2.0)) < TOL


def test_label_volumes_end_on_full_sheets_and_only_the_first_skips_used_labels(tmp_path, monkeypatch):
    """With volumes of one sheet and --start 20, the first file holds labels 20 and 21 and
    the second starts a fresh sheet at label 1: no label is blank between them."""
    from letters.pipeline import plan as planning

    monkeypatch.setattr(planning, "LABEL_SHEETS_PER_VOLUME", 1)
    root = make_campaign(tmp_path)
    result = build_campaign(root, tmp_path / "out", ["labels"], jobs=1, print_options={"label_start": 20})
    sheet = LABEL_SHEETS["L7160"]
    files = sorted(d["path"] for d in documents(result, product="labels"))
    assert files == ["labels/campaign-be-001.pdf", "labels/campaign-be-002.pdf"]
    with pdfplumber.open(tmp_path / "out" / files[0]) as first, pdfplumber.open(tmp_path / "out" / files[1]) as second:
        assert len(first.pages) == 1 and len(second.pages) == 1
        assert sorted(labels_by_cell(first.pages[0], sheet)) == [20, 21]
        assert sorted(labels_by_cell(second.pages[0], sheet)) == [1, 2, 3]


def test_a_sender_address_too_long_for_the_window_says_where_to_shorten_it(tmp_path):
    long = ", ".join(["Hauptstraße 12, Hinterhaus, Wohnung 4"] * 3)
    root = make_campaign(tmp_path, sender=f'{{name: Анна Сяргееўна Іванова-Шчарбакова, address: ["{long}", "10115 Berlin"]}}')
    with pytest.raises(LettersError, match=r"window's return line .*campaign\.yaml \(sender\.name, sender\.address\)"):
        render_document(root, "appeal-window", "alena-testava", tmp_path / "w.pdf", lang="ru")


def test_a_long_address_shrinks_and_one_that_cannot_fit_is_named(tmp_path):
    root = make_campaign(tmp_path)
    result = build_campaign(root, tmp_path / "out", ["labels"], jobs=1)
    sheet = LABEL_SHEETS["L7160"]
    with one(result, product="labels") as pdf:
        page = pdf.pages[0]
        sizes = {n: within(page, labels.label_cell(sheet, n - 1)).chars[0]["size"] for n in range(1, 6)}
        assert "ул. Калиновского-Вишневецкого, 123А" in [ln["text"] for ln in labels_by_cell(page, sheet)[2]]
    assert sizes[2] < sizes[1] == max(sizes.values())  # Daria's long street is set smaller
    facilities = root / "facilities.yaml"
    facilities.write_text(facilities.read_text(encoding="utf-8").replace(
        "ул. Калиновского-Вишневецкого, 123А", "ул. Калиновского-Вишневецкого-Дунина-Марцинкевича-Богдановича, 123А"), encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", ["labels"], jobs=1)
    messages = [w.message for w in result.warnings if "left blank" in w.message]
    assert messages == [messages[0]] and messages[0].startswith("label 2 on sheet 1 (daria-druhaja) left blank")
    with one(result, product="labels") as pdf:
        assert "Дарья" not in pdf.pages[0].extract_text() and "Дарʼя" not in pdf.pages[0].extract_text()
        assert sorted(labels_by_cell(pdf.pages[0], LABEL_SHEETS["L7160"])) == [1, 3, 4, 5]


# ------------------------------------------------------------------ Russia and bundles


def test_russian_prisoners_need_patronymic_and_birth_year(shop):
    skipped = {(s["prisoner"], s["product"]): s["reason"] for s in read_manifest(shop.out_dir)["skipped"]}
    assert "patronymic" in skipped[("nina-bez-otchestva", "envelope-dl")]
    with one(shop, product="envelope-dl", prisoner="sergei-rossiiski") as pdf:
        assert pdf.pages[0].extract_text().splitlines()[0] == "Российский Сергей Сергеевич, 1985 г. р."


def test_bundles_hold_every_document_padded_for_duplex(shop):
    bundles = {d["id"]: d for d in documents(shop, kind="bundle")}
    letters = [d for d in documents(shop, product="letter")]
    bundle = bundles["bundle-letter"]
    assert bundle["parts"] == [d["id"] for d in sorted(letters, key=lambda d: (d["prisoner"], d["lang"]))]
    assert bundle["pages"] == sum(d["pages"] + d["pages"] % 2 for d in letters)
    person = bundles["bundle-alena-testava"]
    parts = [d for d in documents(shop, prisoner="alena-testava")]
    assert sorted(person["parts"]) == sorted(d["id"] for d in parts)
    def padded(d):  # two-sided parts are padded to even pages; envelopes, fed one by one, never are
        return d["pages"] + (0 if d["product"].startswith("envelope") else d["pages"] % 2)

    with pdfplumber.open(shop.out_dir / person["path"]) as pdf:
        assert len(pdf.pages) == person["pages"] == sum(padded(d) for d in parts)
        # each two-sided part starts on an odd page (a front side)
        page = 0
        for doc_id in person["parts"]:
            doc = next(d for d in parts if d["id"] == doc_id)
            with pdfplumber.open(shop.out_dir / doc["path"]) as part:
                assert pdf.pages[page].extract_text() == part.pages[0].extract_text()
            page += padded(doc)


def test_an_envelope_bundle_is_never_padded(shop):
    """Envelopes are fed one at a time: a blank page in their bundle would waste an envelope."""
    bundle = documents(shop, kind="bundle", id="bundle-envelope-dl")[0]
    envelopes = documents(shop, product="envelope-dl")
    assert len(envelopes) == 5 and bundle["pages"] == len(envelopes) == sum(d["pages"] for d in envelopes)
    with pdfplumber.open(shop.out_dir / bundle["path"]) as pdf:
        assert all(page.extract_text().strip() for page in pdf.pages)  # no blank page among them


def test_without_duplex_bundles_are_not_padded(tmp_path):
    root = make_campaign(tmp_path)
    result = build_campaign(root, tmp_path / "out", ["letter"], jobs=1, print_options={"duplex": "off"})
    bundle = documents(result, kind="bundle", id="bundle-letter")[0]
    assert bundle["pages"] == sum(d["pages"] for d in documents(result, product="letter"))


def test_products_sharing_a_template_are_not_laid_out_with_each_others_page_setup(tmp_path):
    """A letter and its window variant share a template but not their margins: a chunk
    must never mix them (each part equals its own single render, byte for byte)."""
    root = make_campaign(tmp_path)
    result = build_campaign(root, tmp_path / "out", ["letter", "letter-window"], jobs=1)
    for doc in documents(result, prisoner="alena-testava"):
        single = tmp_path / "single.pdf"
        render_document(root, doc["product"], "alena-testava", single, lang=doc["lang"])
        assert single.read_bytes() == (result.out_dir / doc["path"]).read_bytes(), doc["id"]


def test_calibration_offsets_move_the_envelope_text_exactly(tmp_path):
    root = make_campaign(tmp_path)
    plain, moved = tmp_path / "plain.pdf", tmp_path / "moved.pdf"
    render_document(root, "envelope-c6", "alena-testava", plain)
    render_document(root, "envelope-c6", "alena-testava", moved, print_options={"offset_x_mm": -1.25, "offset_y_mm": 3})
    with pdfplumber.open(plain) as a, pdfplumber.open(moved) as b:
        before, after = a.pages[0].chars, b.pages[0].chars
    assert [c["text"] for c in before] == [c["text"] for c in after]
    for old, new in zip(before, after, strict=True):
        assert abs(mm(new["x0"] - old["x0"]) + 1.25) < TOL and abs(mm(new["top"] - old["top"]) - 3) < TOL


def test_a_large_product_is_bundled_in_volumes(tmp_path, monkeypatch):
    import letters.pipeline.bundles

    monkeypatch.setattr(letters.pipeline.bundles, "BUNDLE_LIMIT", 3)
    root = make_campaign(tmp_path)
    result = build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    letters_ = documents(result, product="letter")
    volumes = sorted((d for d in documents(result, kind="bundle") if d["product"] == "letter"), key=lambda d: d["path"])
    assert [v["path"] for v in volumes] == [f"bundles/letter-00{i}.pdf" for i in (1, 2, 3, 4)]
    assert [len(v["parts"]) for v in volumes] == [3, 3, 3, 1]  # 10 letters: 5 people, be and ru
    assert sum(v["pages"] for v in volumes) == sum(d["pages"] + d["pages"] % 2 for d in letters_)
