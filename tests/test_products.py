"""The product registry: built-in products as data, and a campaign's own products with no code edit.

The `own-products` fixture adds a postcard design (an entry, its picture and its
words) and an envelope size (an entry with its geometry); both are rendered and
read back from the PDF.
"""

from __future__ import annotations

import pdfplumber
import pytest
from click.testing import CliRunner

from letters.api import build_campaign, render_document
from letters.cli import main
from letters.core.errors import CampaignError
from letters.data.load import load_campaign
from letters.products.registry import builtin_registry, load_registry

from .conftest import documents
from .test_print_products import inside, mm, text_lines


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """The minimal campaign's people with the own-products fixture's campaign.yaml and templates."""
    import shutil

    from .conftest import CAMPAIGNS

    root = tmp_path_factory.mktemp("own") / "own-products"
    shutil.copytree(CAMPAIGNS / "minimal", root)
    shutil.copytree(CAMPAIGNS / "own-products", root, dirs_exist_ok=True)
    return root


def test_builtin_products_come_from_the_registry_files_in_their_order():
    names = list(builtin_registry().products)
    assert names[:3] == ["letter", "writer-sheet", "appeal"] and names[-2:] == ["letter-window", "appeal-window"]
    window = builtin_registry().products["letter-window"]
    assert (window.template, window.layout, window.papers, window.counts_as_letter) == ("letter/solidarity.html", "window", ("a4",), True)
    assert not builtin_registry().products["envelope-c5"].duplex  # fed one at a time
    assert sorted(builtin_registry().envelopes) == ["c5", "c6", "dl", "us10"]


def test_a_campaign_lists_its_own_products_after_the_builtin_ones(own):
    result = CliRunner().invoke(main, ["products", "--campaign", str(own)])
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == [*builtin_registry().products, "postcard-warm-days", "envelope-b6"]
    assert "this campaign's own design" in result.output


def test_a_campaigns_own_card_design_is_printed_with_its_own_words(own, tmp_path):
    result = build_campaign(own, tmp_path / "out", ["postcard-warm-days"], jobs=1)
    assert result.ok, result.failures
    [sheet] = documents(result, product="postcard-warm-days", prisoner=None, lang="be")
    with pdfplumber.open(result.out_dir / sheet["path"]) as pdf:
        front, back = pdf.pages[0].extract_text(), pdf.pages[1].extract_text()
    assert "Цёплых дзён, Алена!" in front and "Добры дзень" not in front  # its own words, never the plain card's
    assert "Няхай кожны дзень прынясе Вам крыху святла." in " ".join(back.split())


def test_a_campaigns_own_envelope_size_is_the_page_and_its_zone_holds_the_address(own, tmp_path):
    out = tmp_path / "b6.pdf"
    render_document(own, "envelope-b6", "alena-testava", out, lang="be")
    envelope = load_campaign(own).registry.envelopes["b6"]
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        assert (round(mm(page.width), 1), round(mm(page.height), 1)) == (176.0, 125.0)
        lines = text_lines(page)
    assert lines[0]["text"] == "Алена Тэставая"
    assert all(inside(ln, envelope.zone) for ln in lines)


def test_a_pack_takes_a_campaigns_own_envelope(own, tmp_path):
    from letters.api import make_packs, volunteers_from

    result = make_packs(own, volunteers_from(1, None), tmp_path / "pack", envelope="envelope-b6", db=tmp_path / "l.sqlite", jobs=1)
    envelopes = [path for label, path in result.files.items() if label.endswith("envelopes")]
    with pdfplumber.open(envelopes[0]) as pdf:
        assert {(round(mm(p.width)), round(mm(p.height))) for p in pdf.pages} == {(176, 125)}


def test_a_design_without_its_picture_fails_that_document_and_never_prints_the_plain_card(own, tmp_path):
    (own / "templates" / "postcard" / "designs" / "warm-days.html").rename(tmp_path / "moved.html")
    try:
        result = build_campaign(own, tmp_path / "out", ["postcard-warm-days"], jobs=1)
    finally:
        (tmp_path / "moved.html").rename(own / "templates" / "postcard" / "designs" / "warm-days.html")
    assert not documents(result) and result.failures
    assert all("postcard/designs/warm-days.html" in f.message and "not found" in f.message for f in result.failures)


@pytest.mark.parametrize(("entry", "error"), [
    ("products:\n  postcard-x: {base: no-such-card}\n", "products.postcard-x.base: base 'no-such-card' is not a product"),
    ("products:\n  envelope-x: {base: envelope-dl, variant: b9}\n", "products.envelope-x.variant: unknown envelope size 'b9'"),
    ("products:\n  thing: {template: x.html, audience: censor, eligible: mail}\n", "products.thing.audience: expected 'prisoner', 'authority' or 'volunteer'"),
    ("envelopes:\n  b9: {title: B9, width: 10}\n", "envelopes.b9.height: is required but missing"),
    ("products:\n  ../x: {base: letter}\n", "products.../x: a product's name is lower-case letters, digits and dashes"),
])
def test_a_wrong_registry_entry_is_refused_naming_its_file_and_field(own, tmp_path, entry, error):
    path = own / "templates" / "products" / "70-wrong.yaml"
    path.write_text(entry, encoding="utf-8")
    try:
        with pytest.raises(CampaignError) as info:
            load_registry(own)
    finally:
        path.unlink()
    assert any(str(p).startswith("templates/products/70-wrong.yaml: error: ") and error in str(p) for p in info.value.problems), info.value.problems
