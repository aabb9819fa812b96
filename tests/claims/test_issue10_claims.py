"""What a hospital may learn from a report (possible_duplicate, the registry's name), the documents checklist
after request_documents, and reopening a rejected claim."""

import pytest

from tests.claims.helpers import DOCS, ClaimsApi


@pytest.fixture
def api(client, tokens):
    return ClaimsApi(client, tokens)


def shown(claim):
    return claim["flags"]["possible_duplicate"], claim["participant_name"]


def test_a_hospital_learns_nothing_of_another_hospitals_claim(api):
    api.active(1)
    daya = api.report(1, user="demo-daya")
    primaya = api.report(1, user="demo-primaya")  # the same person, the same accident, another hospital
    # Disnaker and BPJS see the duplicate and the registry's name; the reporting hospital sees neither
    assert shown(api.call("get", f"/claims/{primaya['id']}").get_json()) == (True, "Andi Rahman 1")
    assert shown(api.call("get", f"/claims/{primaya['id']}", user="demo-bpjs").get_json()) == (True, "Andi Rahman 1")
    assert shown(primaya) == (False, None)
    assert shown(api.call("get", f"/claims/{primaya['id']}", user="demo-primaya").get_json()) == (False, None)
    listed = api.call("get", "/claims", user="demo-primaya").get_json()["items"]
    assert [(c["id"], *shown(c)) for c in listed] == [(primaya["id"], False, None)]
    # its own earlier report of the same accident is a duplicate it may be told of
    again = api.report(1, user="demo-primaya")
    assert shown(again) == (True, None)
    assert shown(daya) == (False, None)
    assert api.call("get", f"/claims/{daya['id']}", user="demo-primaya").status_code == 404


def under_review(api, serial=1):
    api.active(serial)
    claim = api.admit(api.report(serial))
    claim = api.act(claim, "verify", "demo-bpjs")
    claim = api.complete(claim)
    return api.act(claim, "submit_documents", "demo-primaya", {"documents": DOCS})


def test_after_request_documents_only_the_missing_are_sent(api):
    claim = under_review(api)
    assert (claim["documents"], claim["missing_documents"]) == (sorted(DOCS), [])
    claim = api.act(claim, "request_documents", "demo-bpjs", {"missing": ["ktp", "police_report"],
                                                             "note": "the KTP copy is unreadable"})
    assert claim["state"] == "awaiting_documents"
    assert claim["missing_documents"] == ["ktp", "police_report"]
    assert claim["documents"] == ["chronology_with_witnesses", "doctor_statement", "kpj_card", "treatment_receipts"]
    refused = api.act(claim, "submit_documents", "demo-primaya", {"documents": ["ktp"]}, expect=409)
    assert refused["reason"] == "missing documents: police_report"
    claim = api.act(claim, "submit_documents", "demo-primaya", {"documents": ["ktp", "police_report"]})
    assert (claim["state"], claim["missing_documents"]) == ("under_review", [])
    assert claim["documents"] == ["chronology_with_witnesses", "doctor_statement", "kpj_card", "ktp",
                                  "police_report", "treatment_receipts"]


def test_documents_may_come_in_several_hand_ins(api):
    api.active(1)
    claim = api.complete(api.act(api.admit(api.report(1)), "verify", "demo-bpjs"))
    refused = api.act(claim, "submit_documents", "demo-primaya", {"documents": DOCS[:2]}, expect=409)
    assert refused["reason"] == "missing documents: chronology_with_witnesses, doctor_statement, treatment_receipts"
    assert api.call("get", f"/claims/{claim['id']}").get_json()["documents"] == []  # a refusal keeps nothing


def test_a_reopened_claim_keeps_its_verification_and_care(api):
    claim = under_review(api)
    claim = api.act(claim, "reject", "demo-bpjs", {"reason_code": "other", "note": "chronology unclear"})
    claim = api.act(claim, "reopen", "demo-supervisor", {"reason": "a witness statement came in"})
    assert (claim["state"], claim["verified"], claim["hospital"]) == ("reported", True, "RS-PRIMAYA")
    assert sorted(claim["care"]) == ["admit", "treatment"] and claim["documents"] == sorted(DOCS)
    # what is still true is not asked again: BPJS cannot verify twice; the hospital admits, completes and
    # submits, and the documents handed in before still count
    assert api.call("get", f"/claims/{claim['id']}", user="demo-bpjs").get_json()["allowed_triggers"] == ["reject"]
    assert claim["allowed_triggers"] == []  # the supervisor
    claim = api.admit(api.call("get", f"/claims/{claim['id']}", user="demo-primaya").get_json())
    claim = api.complete(claim)
    claim = api.act(claim, "submit_documents", "demo-primaya", {"documents": []})
    assert claim["state"] == "under_review"


def test_times_sent_with_another_offset_come_back_in_wita(api):
    api.active(1)
    claim = api.report(1, accident_at="2026-03-01T01:30:00Z")
    assert claim["accident_at"] == "2026-03-01T09:30:00+08:00"
    claim = api.admit(claim, at="2026-03-01T02:15:00+00:00")
    assert claim["care"]["admit"]["admitted_at"] == "2026-03-01T10:15:00+08:00"
    history = api.call("get", f"/claims/{claim['id']}/history").get_json()
    assert history[-1]["data"]["admitted_at"] == "2026-03-01T10:15:00+08:00"
    assert all(event["at"].endswith("+08:00") for event in history)
