import pytest
import sqlalchemy as sa

from berjasa.claims.models import Claim, ClaimHospital
from berjasa.db import db
from berjasa.events.models import CaseEvent
from berjasa.parties.models import Party
from tests.claims.helpers import DOCS, WITA_ACCIDENT, ClaimsApi, recent
from tests.enrolment.helpers import nik


@pytest.fixture
def api(client, tokens):
    return ClaimsApi(client, tokens)


def test_a_claim_from_report_to_closed(api, app):
    api.active(1)
    claim = api.report(1)
    assert (claim["state"], claim["version"], claim["reporting_party"], claim["reported_by"]) == (
        "reported", 1, "RS-PRIMAYA", "demo-primaya")
    assert claim["flags"] == {"late_stage1_report": True, "participant_unknown": False, "possible_duplicate": False}
    assert claim["accident_at"] == "2026-03-01T09:30:00+08:00" and claim["nik"] == nik(1)
    assert claim["allowed_triggers"] == ["admit"]
    claim = api.admit(claim)
    claim = api.act(claim, "verify", "demo-bpjs")  # BPJS decides while the hospital treats
    assert (claim["state"], claim["verified"], claim["hospital"]) == ("hospital_care", True, "RS-PRIMAYA")
    claim = api.complete(claim)
    claim = api.act(claim, "submit_documents", "demo-primaya", {"documents": DOCS})
    claim = api.act(claim, "approve", "demo-bpjs", {"benefits": {"medical": 7_500_000, "stmb": 1_000_000}})
    assert claim["approved_total"] == 8_500_000
    claim = api.act(claim, "pay", "demo-bpjs", {"payments": [
        {"line": "medical", "payee": "RS Primaya Makassar", "amount": 7_500_000, "reference": "TRF-1"},
        {"line": "stmb", "payee": "Andi Rahman 1", "amount": 1_000_000, "reference": "TRF-2"}]})
    claim = api.act(claim, "close", "demo-caseworker")
    assert (claim["state"], claim["paid_total"], claim["allowed_triggers"]) == ("closed", 8_500_000, [])
    history = api.call("get", f"/claims/{claim['id']}/history", user="demo-supervisor").get_json()
    assert [(h["trigger"], h["actor"]) for h in history] == [
        ("create", "demo-primaya"), ("admit", "demo-primaya"), ("verify", "demo-bpjs"),
        ("complete_treatment", "demo-primaya"), ("submit_documents", "demo-primaya"), ("approve", "demo-bpjs"),
        ("pay", "demo-bpjs"), ("close", "demo-caseworker")]


def test_another_hospital_never_learns_the_claim_exists(api):
    api.active(2)
    claim = api.report(2)
    other = "demo-daya"
    assert api.call("get", f"/claims/{claim['id']}", user=other).status_code == 404
    assert api.call("get", f"/claims/{claim['id']}/history", user=other).status_code == 404
    refused = api.call("post", f"/claims/{claim['id']}/transitions", user=other,
                       json={"trigger": "admit", "expected_version": 1,
                             "data": {"hospital": "RSUD-DAYA", "admitted_at": WITA_ACCIDENT, "care": "inpatient"}})
    assert refused.status_code == 404
    assert api.call("get", "/claims", user=other).get_json()["total"] == 0
    assert api.call("get", "/claims", user="demo-primaya").get_json()["total"] == 1
    assert api.call("get", "/claims", user="demo-caseworker").get_json()["total"] == 1


def test_a_referral_hands_the_claim_over_and_keeps_read_access(api, app):
    def ties(claim_id):
        with app.app_context(), db.new_session() as session:
            return dict(session.execute(sa.select(Party.code, ClaimHospital.relation).join(
                ClaimHospital, ClaimHospital.hospital_id == Party.id).where(ClaimHospital.claim_id == claim_id)).all())

    api.active(3)
    claim = api.report(3)
    assert ties(claim["id"]) == {"RS-PRIMAYA": "reported"}
    claim = api.admit(claim)
    assert ties(claim["id"]) == {"RS-PRIMAYA": "treating"}
    claim = api.act(claim, "refer", "demo-primaya", {"hospital": "RSUD-DAYA", "reason": "needs neurosurgery",
                                                     "referred_at": "2026-03-02T08:00:00+08:00"})
    assert (claim["hospital"], claim["referred"]) == ("RSUD-DAYA", True)
    assert ties(claim["id"]) == {"RS-PRIMAYA": "referred_from", "RSUD-DAYA": "treating"}
    assert api.call("get", f"/claims/{claim['id']}", user="demo-primaya").status_code == 200
    claim = api.act(claim, "verify", "demo-bpjs")
    assert api.complete(claim, user="demo-primaya", expect=403)["detail"] == (
        "Your hospital can see this claim but no longer treats it")
    claim = api.complete(claim, user="demo-daya")
    missing = api.act(claim, "submit_documents", "demo-daya", {"documents": DOCS}, expect=409)
    assert missing["reason"] == "missing documents: referral_letter"
    assert api.act(claim, "submit_documents", "demo-daya",
                   {"documents": [*DOCS, "referral_letter"]})["state"] == "under_review"


def test_verify_needs_jkk_cover_on_the_accident_date(api):
    lapsed = api.active(4, start="2026-01-01")
    api.fire(lapsed, "lapse", user="demo-bpjs", data={"reason": "arrears", "effective_date": "2026-02-15"})
    claim = api.report(4, user="demo-caseworker")
    body = api.act(claim, "verify", "demo-bpjs", expect=409)
    assert body["reason"] == "not covered for JKK on 2026-03-01, the accident date"
    assert (body["state"], body["version"]) == ("reported", 1)


def test_an_unknown_nik_is_flagged_and_cannot_be_verified(api):
    claim = api.report(5)
    assert claim["flags"]["participant_unknown"] is True and claim["participant_name"] is None
    assert "not in the registry" in api.act(claim, "verify", "demo-bpjs", expect=409)["reason"]


def test_a_claim_older_than_five_years_has_expired(api):
    api.active(6, start="2020-01-01")
    claim = api.report(6, accident_at="2021-02-01T08:00:00+08:00")
    assert api.act(claim, "verify", "demo-bpjs", expect=409)["reason"] == (
        "the claim expired 5 years after the accident")


def test_admission_needs_a_plkk_agreement_on_that_day(api):
    api.active(7)
    claim = api.report(7, user="demo-caseworker")
    body = api.admit(claim, user="demo-caseworker", hospital="RS-BHAYANGKARA", expect=409)
    assert body["reason"] == "RS-BHAYANGKARA had no PLKK agreement in force on 2026-03-01"
    assert api.admit(claim, user="demo-daya", hospital="RS-PRIMAYA", expect=404)["status"] == 404


def test_a_commute_accident_needs_a_police_report(api):
    api.active(8)
    claim = api.complete(api.act(api.admit(api.report(8, accident_type="commute")), "verify", "demo-bpjs"))
    body = api.act(claim, "submit_documents", "demo-caseworker", {"documents": DOCS}, expect=409)
    assert body["reason"] == "missing documents: police_report"
    requested = api.act(api.act(claim, "submit_documents", "demo-caseworker",
                                {"documents": [*DOCS, "police_report"]}), "request_documents", "demo-bpjs",
                        {"missing": ["transport_receipts"]})
    assert requested["state"] == "awaiting_documents"


def test_flags_late_and_possible_duplicate(api):
    api.active(9)
    on_time = api.report(9, accident_at=recent(3))
    assert on_time["flags"] == {"late_stage1_report": False, "participant_unknown": False,
                                "possible_duplicate": False}
    again = api.report(9, user="demo-caseworker", accident_at=recent(5))
    assert again["flags"]["possible_duplicate"] is True
    flagged = api.call("get", "/claims?flag=possible_duplicate", user="demo-supervisor").get_json()
    assert [c["id"] for c in flagged["items"]] == [again["id"]]


def test_pay_must_match_the_approved_total_and_roles_are_checked(api):
    api.active(10)
    claim = api.act(api.complete(api.act(api.admit(api.report(10)), "verify", "demo-bpjs")), "submit_documents",
                    "demo-primaya", {"documents": DOCS})
    assert api.act(claim, "approve", "demo-primaya", {"benefits": {"medical": 1}}, expect=403)["status"] == 403
    claim = api.act(claim, "approve", "demo-bpjs", {"benefits": {"medical": 100}})
    body = api.act(claim, "pay", "demo-bpjs", {"payments": [
        {"line": "medical", "payee": "RS", "amount": 90, "reference": "x"}]}, expect=409)
    assert body["reason"] == "the payments add up to 90, the approved total is 100"
    bad = api.act(claim, "pay", "demo-bpjs", {"payments": [{"line": "bonus", "amount": "lots"}]}, expect=422)
    assert {"data.payments.0.line", "data.payments.0.amount", "data.payments.0.payee"} <= set(bad["errors"])
    stale = api.act(claim, "pay", "demo-bpjs", version=1, expect=409)
    assert (stale["state"], stale["version"]) == ("approved", claim["version"])


def test_reject_withdraw_and_reopen(api):
    api.active(11)
    claim = api.report(11)
    rejected = api.act(claim, "reject", "demo-bpjs", {"reason_code": "not_work_accident", "note": "at home"})
    assert rejected["allowed_triggers"] == []
    reopened = api.act(rejected, "reopen", "demo-supervisor", {"reason": "appeal with witnesses"})
    assert reopened["state"] == "reported"
    withdrawn = api.act(reopened, "withdraw", "demo-caseworker", {"reason": "reported twice"})
    assert withdrawn["state"] == "withdrawn"


@pytest.mark.parametrize(("override", "field"), [
    ({"accident_at": "2026-03-01T09:30:00"}, "accident_at"), ({"accident_at": "2999-01-01T00:00:00+08:00"},
                                                               "accident_at"),
    ({"accident_type": "fell"}, "accident_type"), ({"nik": "123"}, "nik"), ({"place": ""}, "place"),
    ({"hospital": "RS-NOWHERE"}, "hospital"),
])
def test_bad_reports_are_refused_per_field_and_write_nothing(api, app, override, field):
    response = api.client.post("/api/v1/claims", json={**__import__("tests.claims.helpers").claims.helpers
                                                       .report_body(12), **override},
                               headers=api._auth("demo-caseworker"))
    assert response.status_code == 422
    assert field in response.get_json(force=True)["errors"]
    with app.app_context(), db.new_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_hospital_staff_report_for_their_own_hospital_only(api):
    assert api.report(13, hospital="RSUD-DAYA", expect=403)["status"] == 403


def test_an_idempotency_key_returns_the_first_response(api, app):
    first = api.report(14, headers={"Idempotency-Key": "report-14"})
    again = api.client.post("/api/v1/claims", json=__import__("tests.claims.helpers").claims.helpers.report_body(14),
                            headers={**api._auth("demo-primaya"), "Idempotency-Key": "report-14"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first
    other = api.report(14, headers={"Idempotency-Key": "report-14"}, place="elsewhere", expect=409)
    assert other["errors"] == {"Idempotency-Key": ["already used with another body"]}
    with app.app_context(), db.new_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)
                              .where(CaseEvent.case_type == "claim")) == 1


def test_list_filters(api):
    api.active(15, kecamatan="13")
    a = api.report(15)
    b = api.report(16, user="demo-caseworker")  # nobody enrolled with this NIK
    api.admit(a)

    def ids(query, user="demo-caseworker"):
        return [c["id"] for c in api.call("get", f"/claims?{query}", user=user).get_json()["items"]]

    assert ids("state=hospital_care") == [a["id"]]
    assert ids("hospital=RS-PRIMAYA") == [a["id"]]
    assert ids("kecamatan=13") == [a["id"]]
    assert ids(f"q={nik(15)}") == [a["id"]]
    assert ids("q=andi") == [a["id"]]
    assert len(ids("reported_from=2026-01-01")) == 2 and ids("reported_to=2026-01-01") == []
    assert ids("") == [b["id"], a["id"]]  # newest report first
    assert ids("flag=participant_unknown") == [b["id"]]
    assert ids("flag=late_stage1_report") == [b["id"], a["id"]]  # both accidents are long past
    assert ids("flag=participant_unknown", user="demo-primaya") == []  # the caseworker's report is not theirs
    assert api.call("get", "/claims?flag=bogus").status_code == 422
