"""What a build may reuse: the inputs key of each document."""

from __future__ import annotations

from letters.data.load import load_campaign
from letters.pipeline.cache import InputKeys
from letters.pipeline.plan import plan


def test_an_inputs_key_is_made_once_and_let_go_after_its_last_use(campaign):
    data = load_campaign(campaign("minimal"))
    jobs = plan(data, None, None)[0]
    keys = InputKeys(data, "rules", "assets")
    first = [keys.key(job) for job in jobs]  # how much there is to compose
    assert len(keys.keys) == len(jobs) == len(set(first))  # one key a document, kept
    last = [keys.key(job, last=True) for job in jobs]  # composing: each one's last use
    assert last == first and keys.keys == {}  # the same keys, and none held any longer
    assert [keys.key(job, last=True) for job in jobs] == first  # made again if asked again


def test_an_edited_profile_changes_only_its_own_documents_keys(campaign):
    root = campaign("minimal")
    data = load_campaign(root)
    jobs = plan(data, None, None)[0]
    before = {j.doc_id: InputKeys(data, "r", "a").key(j) for j in jobs}
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    after = {j.doc_id: InputKeys(data, "r", "a").key(j) for j in jobs}
    changed = {d for d in before if before[d] != after[d]}
    assert changed and all(any(p == "alena-testava" for p in j.people) for j in jobs if j.doc_id in changed)
