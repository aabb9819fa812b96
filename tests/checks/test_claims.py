"""The checks of claims, run by the events that change what they compare (and by a timer for care left without
BPJS's decision), each with a hit and a non-hit."""

from tests.checks.helpers import found, pump, states, tick
from tests.claims.helpers import DOCS
from tests.sla.conftest import wita


def paid_claim(api, *, serial, reported, medical):
    """An active participant's claim through to `pay`: the hospital reports `reported` as the medical cost, BPJS
    pays `medical` on the medical line."""
    api.active(serial)
    claim = api.admit(api.report(serial))
    claim = api.act(claim, "verify", "demo-bpjs")
    claim = api.act(claim, "complete_treatment", "demo-primaya", {
        "doctor_statement_at": "2026-03-10T10:00:00+08:00", "outcome": "recovered",
        "discharged_at": "2026-03-10T12:00:00+08:00", "medical_cost": reported})
    claim = api.act(claim, "submit_documents", "demo-primaya", {"documents": DOCS})
    claim = api.act(claim, "approve", "demo-bpjs", {"benefits": {"medical": medical}})
    return api.act(claim, "pay", "demo-bpjs", {"payments": [
        {"line": "medical", "payee": "RS Primaya Makassar", "amount": medical, "reference": f"TRF-{serial}"}]})


def test_care_cost_differs_from_the_medical_line_paid(api, any_app):
    differs = paid_claim(api, serial=1, reported=7_500_000, medical=7_000_000)
    paid_claim(api, serial=2, reported=5_000_000, medical=5_000_000)
    pump(any_app)
    assert found(any_app) == {("care_cost_mismatch", "claim", str(differs["id"]))}
    item = api.call("get", "/discrepancies?check=care_cost_mismatch").get_json()["items"][0]
    assert item["evidence"] == {
        "hospital": {"source": f"claim {differs['id']}: complete_treatment", "values": {"medical_cost": 7_500_000}},
        "bpjs": {"source": f"claim {differs['id']}: pay", "values": {"medical_paid": 7_000_000}}}
    assert (item["party"], item["hospital"]) == ("RS-PRIMAYA", "RS-PRIMAYA")


def test_care_left_without_a_bpjs_decision_opens_after_the_days_set_then_resolves_on_verify(api, any_app, travel):
    travel(wita(2026, 3, 1, 10, 0))
    api.active(1)
    claim = api.admit(api.report(1), at="2026-03-01T10:15:00+08:00")
    other = api.admit(api.report(2), at="2026-03-05T08:00:00+08:00")
    pump(any_app)
    travel(wita(2026, 3, 8, 10, 0))  # 7 days less 15 minutes after the admission
    tick(any_app, wita(2026, 3, 8, 10, 0))
    pump(any_app)
    assert found(any_app) == set()
    travel(wita(2026, 3, 8, 10, 20))
    tick(any_app, wita(2026, 3, 8, 10, 20))
    pump(any_app)
    assert found(any_app) == {("admitted_not_verified", "claim", str(claim["id"]))}  # not the one admitted later
    item = api.call("get", "/discrepancies", user="demo-primaya").get_json()["items"][0]
    assert item["evidence"]["hospital"]["values"] == {"admitted_at": "2026-03-01T10:15:00+08:00",
                                                      "state": "hospital_care"}
    assert (item["party"], item["hospital"]) == ("bpjs", "RS-PRIMAYA")
    api.act(claim, "verify", "demo-bpjs")
    pump(any_app)
    assert states(any_app) == {("admitted_not_verified", str(claim["id"])): "resolved"}
    assert other["state"] == "hospital_care"


def test_a_lapse_backdated_before_a_verified_accident_leaves_the_claim_without_cover(api, any_app):
    before, after = api.active(1), api.active(2)
    first = api.act(api.report(1, user="demo-caseworker"), "verify", "demo-bpjs")
    api.act(api.report(2, user="demo-caseworker"), "verify", "demo-bpjs")
    pump(any_app)
    assert found(any_app) == set()
    api.fire(before, "lapse", user="demo-bpjs", data={"reason": "arrears", "effective_date": "2026-02-01"})
    api.fire(after, "lapse", user="demo-bpjs", data={"reason": "arrears", "effective_date": "2026-04-01"})
    pump(any_app)
    assert found(any_app) == {("claim_without_cover", "claim", str(first["id"]))}
    item = api.call("get", "/discrepancies?check=claim_without_cover").get_json()["items"][0]
    assert item["evidence"]["claim"]["values"] == {"accident_day": "2026-03-01", "verified": True}


def test_open_claims_of_one_nik_at_two_hospitals_within_a_day(api, any_app):
    api.active(1)
    api.active(2)
    api.admit(api.report(1))
    api.admit(api.report(1, user="demo-daya", accident_at="2026-03-01T20:00:00+08:00"), user="demo-daya",
              hospital="RSUD-DAYA", at="2026-03-01T21:00:00+08:00")
    api.admit(api.report(2))
    api.admit(api.report(2, user="demo-daya", accident_at="2026-03-04T09:30:00+08:00"), user="demo-daya",
              hospital="RSUD-DAYA", at="2026-03-04T10:00:00+08:00")
    pump(any_app)
    # (admitted in March and never verified: admitted_not_verified has them too)
    assert {f for f in found(any_app) if f[0] == "duplicate_open_claims"} == {
        ("duplicate_open_claims", "nik", "7371091705900001")}
    item = api.call("get", "/discrepancies?check=duplicate_open_claims", user="demo-bpjs").get_json()["items"][0]
    assert [c["hospital"] for c in item["evidence"]["claims"]["values"]["claims"]] == ["RS-PRIMAYA", "RSUD-DAYA"]
    assert item["hospital"] is None  # neither hospital is told of the other's claim
    for user in ("demo-primaya", "demo-daya"):
        assert api.call("get", "/discrepancies?check=duplicate_open_claims", user=user).get_json()["total"] == 0
