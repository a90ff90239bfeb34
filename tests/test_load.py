"""Loading and validation: every problem named with file, line and field; all of them at once."""

from __future__ import annotations

import pytest

from letters.core.errors import CampaignError
from letters.data.load import load_campaign

from .conftest import CAMPAIGNS, EXAMPLE


def problems_of(path):
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    return info.value.problems


def test_minimal_campaign_loads_with_its_warning():
    data = load_campaign(CAMPAIGNS / "minimal")
    assert sorted(data.prisoners) == ["alena-testava", "ivan-prykladny", "olga-vypushchana", "pavel-zabaroneny"]
    assert [(w.field, w.line) for w in data.warnings] == [("test-colony-2.address", 9)]


def test_broken_yaml_is_reported_with_file_and_line(campaign):
    root = campaign("broken-yaml", base="minimal")
    [problem] = problems_of(root)
    assert problem.file.name == "alena-testava.yaml"
    assert problem.line == 5
    assert "invalid YAML" in problem.message and "began on line 4" in problem.message


def test_all_field_errors_are_listed_with_lines(campaign):
    root = campaign("invalid-fields", base="minimal")
    found = {(p.file.name, p.field, p.line) for p in problems_of(root)}
    assert found == {
        ("campaign.yaml", "paper", 3),
        ("campaign.yaml", "products", 4),
        ("alena-testava.yaml", "gender", 1),
        ("alena-testava.yaml", "status", 6),
        ("alena-testava.yaml", "favourite_colour", 9),
    }


def test_unknown_facility_names_the_field(campaign):
    root = campaign("minimal")
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("facility: test-colony-1", "facility: no-such-colony"), encoding="utf-8")
    [problem] = problems_of(root)
    assert (problem.field, problem.line) == ("facility", 10)
    assert "unknown facility 'no-such-colony'" in problem.message


def test_id_must_equal_file_name(campaign):
    root = campaign("minimal")
    (root / "prisoners" / "alena-testava.yaml").rename(root / "prisoners" / "someone-else.yaml")
    [problem] = problems_of(root)
    assert problem.field == "id" and "must equal the file name" in problem.message


def test_photo_path_outside_campaign_is_refused(campaign):
    root = campaign("photo-escape", base="minimal")
    [problem] = problems_of(root)
    assert (problem.field, problem.line) == ("photo", 10)
    assert "inside the campaign's photos/ folder" in problem.message


def test_birth_year_alone_is_allowed_and_a_bad_one_is_not(campaign):
    root = campaign("minimal")
    assert load_campaign(root).prisoners["alena-testava"].birth_date == 1990
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("birth_date: 1990", "birth_date: 90"), encoding="utf-8")
    [problem] = problems_of(root)
    assert problem.field == "birth_date" and "four-digit year" in problem.message


def test_stale_profiles_warn_but_do_not_fail(campaign):
    root = campaign("minimal")
    config = root / "campaign.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("date: 2026-01-15", "date: 2026-12-31"), encoding="utf-8")
    data = load_campaign(root)
    stale = {w.file.name for w in data.warnings if w.field == "last_verified"}
    assert "alena-testava.yaml" in stale


def test_example_campaign_is_valid_and_sourced():
    data = load_campaign(EXAMPLE)
    assert {"valiantsin-stefanovic", "marfa-rabkova", "nasta-lojka", "mikalai-statkevich", "ales-bialiatski",
            "uladzimir-labkovich", "maria-kalesnikava", "maksim-znak", "viktar-babaryka", "maryna-zolatava"} <= set(data.prisoners)
    assert data.prisoners["nasta-lojka"].correspondence == "banned"
    for pid in ["ales-bialiatski", "uladzimir-labkovich", "maria-kalesnikava", "maksim-znak", "viktar-babaryka", "maryna-zolatava"]:
        assert data.prisoners[pid].status == "released"
    for record in [*data.prisoners.values(), *data.facilities.values(), *data.addressees.values()]:
        assert record.sources and record.last_verified
    for facility in data.facilities.values():
        if facility.address:
            assert facility.address[-1] == "REPUBLIC OF BELARUS"


def test_a_key_given_twice_is_an_error_not_a_silent_override(campaign):
    from letters.core.errors import CampaignError

    root = campaign("minimal")
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "status: released\n", encoding="utf-8")
    with pytest.raises(CampaignError, match=r"alena-testava.yaml:\d+: error: 'status' is given twice \(lines 8 and \d+\)"):
        load_campaign(root)


def test_two_files_for_one_person_are_an_error(campaign):
    import shutil

    from letters.core.errors import CampaignError

    root = campaign("minimal")
    shutil.copy(root / "prisoners" / "alena-testava.yaml", root / "prisoners" / "alena-testava.yml")
    with pytest.raises(CampaignError, match="a second profile for 'alena-testava'"):
        load_campaign(root)
