"""Who gets what: letters only where they can arrive, appeals for everyone imprisoned."""

from __future__ import annotations

from dataclasses import replace

from letters.data.load import load_campaign
from letters.pipeline.plan import plan

from .conftest import CAMPAIGNS, EXAMPLE


def made(jobs):
    return {(j.product.name, j.prisoner_id, j.lang) for j in jobs}


def test_minimal_plan():
    jobs, skips = plan(load_campaign(CAMPAIGNS / "minimal"))
    assert made(jobs) == {
        ("letter", "alena-testava", "be"), ("letter", "alena-testava", "ru"),
        ("writer-sheet", "alena-testava", "be"), ("writer-sheet", "alena-testava", "ru"),
        *{("appeal", pid, lang) for pid in ["alena-testava", "ivan-prykladny", "pavel-zabaroneny"] for lang in ["en", "ru"]},
    }
    reasons = {(s.subject, s.product): s.message for s in skips}
    assert reasons[("olga-vypushchana", "appeal")] == "status is released"
    assert reasons[("pavel-zabaroneny", "letter")] == "correspondence is banned"
    assert reasons[("ivan-prykladny", "letter")].startswith("no published address")


def test_example_plan_sends_letters_only_where_an_address_is_known():
    data = replace(load_campaign(EXAMPLE), include_stale=True)  # its data dates from early 2026
    jobs, _skips = plan(data)
    letters = {j.prisoner_id for j in jobs if j.product.name == "letter"}
    appeals = {j.prisoner_id for j in jobs if j.product.name == "appeal"}
    assert letters == {"marfa-rabkova"}
    imprisoned = {pid for pid, p in data.prisoners.items() if p.status == "imprisoned"}
    assert appeals == imprisoned
    assert "nasta-lojka" in appeals and "nasta-lojka" not in letters  # banned: appeal only
    assert "valiantsin-stefanovic" not in letters  # colony not known: never an invented address
    for pid in letters:
        assert data.facilities[data.prisoners[pid].facility].address
    released = {pid for pid, p in data.prisoners.items() if p.status == "released"}
    assert not released & {j.prisoner_id for j in jobs}


def test_everyones_cards_and_labels_come_in_volumes_of_whole_sheets(campaign, monkeypatch):
    """A thousand people's cards or labels are not one long document: files of
    CARDS_PER_VOLUME people (whole sheets of four), and of LABEL_SHEETS_PER_VOLUME label
    sheets, the first one starting at the first free label, so no label is left blank."""
    from letters.pipeline import plan as planning

    monkeypatch.setattr(planning, "CARDS_PER_VOLUME", 4)
    data = load_campaign(campaign("print-shop", base="minimal"))
    cards = [j for j in planning.plan(data, ["postcard"])[0] if j.prisoner_id is None and j.lang == "be"]
    people = sorted({p for p in data.prisoners if planning.mail_refusal(data.prisoners[p], data) is None})
    assert [len(j.members) for j in cards][:-1] == [4] * (len(cards) - 1) and sum(len(j.members) for j in cards) == len(people)
    assert [j.path() for j in cards][:2] == ["postcard/campaign-be-001.pdf", "postcard/campaign-be-002.pdf"]
    labels = [j for j in planning.plan(data, ["labels"])[0] if j.lang == "be"]
    assert len(labels) == 1 and labels[0].path() == "labels/campaign-be.pdf" and len(labels[0].members) == len(people)

    sheet = data.registry.label_sheets["L7160"]  # 21 labels
    many = [f"p{i:03d}" for i in range(100)]
    spec = data.registry.product("labels")
    volumes = planning.campaign_volumes(spec, "be", "a4", many, data)
    assert len(volumes) == 1 and volumes[0].volume == 0  # 100 people: under ten sheets, one file
    assert len(planning.campaign_volumes(spec, "be", "a4", many * 3, data)[0].members) == 10 * sheet.per_sheet
    monkeypatch.setattr(planning, "LABEL_SHEETS_PER_VOLUME", 2)
    used = replace(data, campaign=data.campaign.model_copy(update={"print": data.campaign.print.model_copy(update={"label_start": 5})}))
    volumes = planning.campaign_volumes(spec, "be", "a4", many, used)
    assert [len(v.members) for v in volumes] == [42 - 4, 42, 20]  # labels 5-42, then whole sheets
    assert [p for v in volumes for p in v.members] == many and [v.volume for v in volumes] == [1, 2, 3]
    assert volumes[0].path() == "labels/campaign-be-001.pdf"
