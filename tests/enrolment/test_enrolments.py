import pytest
import sqlalchemy as sa

from berjasa.db import db
from berjasa.enrolment.models import CoveragePeriod
from berjasa.events.models import OutboxEvent
from tests.enrolment.helpers import Api, nik


@pytest.fixture
def api(client, tokens):
    return Api(client, tokens)


def coverage(api, participant_id, on, user="demo-caseworker"):
    return api.call("get", f"/participants/{participant_id}/coverage?on={on}", user=user).get_json()


def test_the_lifecycle_opens_and_closes_coverage(api, app):
    participant = api.participant(1)
    enrolment = api.enrolment(participant["id"])
    assert (enrolment["state"], enrolment["version"], enrolment["programmes"]) == ("submitted", 1, ["jkk", "jkm"])
    assert enrolment["allowed_triggers"] == ["reject", "verify"]
    enrolment = api.fire(enrolment, "verify")
    enrolment = api.fire(enrolment, "send_to_bpjs")
    assert api.call("get", f"/enrolments/{enrolment['id']}", user="demo-bpjs").get_json()["allowed_triggers"] == [
        "activate"]
    enrolment = api.fire(enrolment, "activate", user="demo-bpjs", data={
        "kpj_number": "26012345678", "coverage_start": "2026-01-01", "programmes": ["jkk", "jkm", "jht"]})
    assert (enrolment["state"], enrolment["version"]) == ("active", 4)
    assert enrolment["participant"]["kpj_number"] == "26012345678"
    assert enrolment["programmes"] == ["jkk", "jkm", "jht"]

    assert coverage(api, participant["id"], "2025-12-31")["covered"] is False
    assert coverage(api, participant["id"], "2026-03-10")["programmes"] == ["jht", "jkk", "jkm"]

    enrolment = api.fire(enrolment, "lapse", user="demo-bpjs",
                         data={"reason": "three months of arrears", "effective_date": "2026-04-01"})
    assert coverage(api, participant["id"], "2026-03-31")["covered"] is True
    assert coverage(api, participant["id"], "2026-04-01") == {
        "participant_id": participant["id"], "on": "2026-04-01", "covered": False, "programmes": [],
        "period_start": None, "period_end": None, "enrolment_id": None}

    enrolment = api.fire(enrolment, "reactivate")
    enrolment = api.fire(enrolment, "activate", user="demo-bpjs", data={
        "kpj_number": "26012345678", "coverage_start": "2026-05-01", "programmes": ["jkk", "jkm"]})
    assert coverage(api, participant["id"], "2026-04-15")["covered"] is False
    assert coverage(api, participant["id"], "2026-05-02")["programmes"] == ["jkk", "jkm"]
    enrolment = api.fire(enrolment, "terminate", data={"reason": "moved", "effective_date": "2026-08-01"})
    assert enrolment["state"] == "terminated" and enrolment["allowed_triggers"] == []

    history = api.call("get", f"/enrolments/{enrolment['id']}/history", user="demo-supervisor").get_json()
    assert [(h["trigger"], h["to_state"], h["actor"]) for h in history] == [
        ("create", "submitted", "demo-caseworker"), ("verify", "verified", "demo-caseworker"),
        ("send_to_bpjs", "sent_to_bpjs", "demo-caseworker"), ("activate", "active", "demo-bpjs"),
        ("lapse", "lapsed", "demo-bpjs"), ("reactivate", "sent_to_bpjs", "demo-caseworker"),
        ("activate", "active", "demo-bpjs"), ("terminate", "terminated", "demo-caseworker")]
    assert history[4]["data"] == {"reason": "three months of arrears", "effective_date": "2026-04-01"}
    with app.app_context(), db.new_session() as session:
        periods = session.execute(sa.select(CoveragePeriod.start_date, CoveragePeriod.end_date)
                                  .order_by(CoveragePeriod.id)).all()
        events = session.scalars(sa.select(OutboxEvent.event_type).where(OutboxEvent.case_type == "enrolment")
                                 .order_by(OutboxEvent.id)).all()
    assert [(s.isoformat(), e.isoformat()) for s, e in periods] == [("2026-01-01", "2026-03-31"),
                                                                      ("2026-05-01", "2026-07-31")]
    assert events[:3] == ["enrolment.created", "enrolment.verify", "enrolment.send_to_bpjs"]


def test_verify_refuses_an_ineligible_participant_with_the_reason(api):
    participant = api.participant(2, decile=7, cohort="informal")
    enrolment = api.enrolment(participant["id"])
    body = api.fire(enrolment, "verify", expect=409)
    assert body["code"] == "guard_failed" and body["guard"] == "eligible"
    assert "decile 7" in body["reason"] and body["state"] == "submitted" and body["version"] == 1


@pytest.mark.parametrize("overrides", [{"decile": 7, "cohort": "rt_rw"}, {"decile": 9, "has_disability": True}])
def test_an_eligible_cohort_or_a_disability_is_enough(api, overrides):
    participant = api.participant(3, **overrides)
    assert api.fire(api.enrolment(participant["id"]), "verify")["state"] == "verified"


def test_one_open_enrolment_per_nik(api):
    participant = api.participant(4)
    first = api.fire(api.enrolment(participant["id"]), "verify")
    second = api.enrolment(participant["id"])
    body = api.fire(second, "verify", expect=409)
    assert body["reason"] == f"the NIK already has open enrolment {first['id']}"
    rejected = api.fire(second, "reject", data={"reason_code": "duplicate", "note": f"see {first['id']}"})
    assert rejected["state"] == "rejected"


def test_roles_versions_and_data_are_checked(api):
    enrolment = api.enrolment(api.participant(5)["id"])
    assert api.fire(enrolment, "verify", user="demo-bpjs", expect=403)["title"] == "Not allowed for your role"
    assert api.call("post", f"/enrolments/{enrolment['id']}/transitions", user="demo-primaya",
                    json={"trigger": "verify", "expected_version": 1}).status_code == 403
    enrolment = api.fire(enrolment, "verify")
    stale = api.fire(enrolment, "send_to_bpjs", version=1, expect=409)
    assert (stale["type"], stale["state"], stale["version"]) == ("/problems/stale-version", "verified", 2)
    bad = api.fire(enrolment, "reject", data={"reason_code": "bored"}, expect=422)
    assert set(bad["errors"]) == {"data.reason_code", "data.note"}
    wrong = api.fire(enrolment, "activate", user="demo-bpjs", expect=409)
    assert wrong["code"] == "not_allowed_from_state"


def test_activation_needs_jkk_and_jkm_and_a_free_kpj(api):
    api.active(6)
    enrolment = api.fire(api.fire(api.enrolment(api.participant(7)["id"]), "verify"), "send_to_bpjs")
    only_jht = api.fire(enrolment, "activate", user="demo-bpjs", expect=409,
                        data={"kpj_number": "26000000007", "coverage_start": "2026-01-01", "programmes": ["jht"]})
    assert only_jht["reason"] == "BPJS must confirm at least JKK and JKM"
    taken = api.fire(enrolment, "activate", user="demo-bpjs", expect=409,
                     data={"kpj_number": "26000000006", "coverage_start": "2026-01-01", "programmes": ["jkk", "jkm"]})
    assert taken["errors"] == {"data.kpj_number": ["in use"]}


def test_hospitals_check_coverage_by_nik(api):
    active = api.active(8)
    body = api.call("post", "/coverage/lookup", user="demo-primaya", json={"nik": nik(8), "on": "2026-02-01"})
    assert body.get_json()["programmes"] == ["jkk", "jkm"]
    assert body.get_json()["enrolment_id"] == active["id"]
    unknown = api.call("post", "/coverage/lookup", user="demo-primaya", json={"nik": nik(99), "on": "2026-02-01"})
    assert unknown.get_json()["covered"] is False and unknown.get_json()["participant_id"] is None


def test_bulk_send_to_bpjs_reports_every_row(api, app):
    ids = []
    for serial in range(10, 15):
        ids.append(api.fire(api.enrolment(api.participant(serial)["id"]), "verify")["id"])
    submitted = api.enrolment(api.participant(15)["id"])["id"]
    body = api.call("post", "/enrolments/bulk-transitions",
                    json={"trigger": "send_to_bpjs", "ids": [*ids, submitted, 999999]}).get_json()
    assert (body["succeeded"], body["failed"]) == (5, 2)
    assert [r["state"] for r in body["results"][:5]] == ["sent_to_bpjs"] * 5
    assert body["results"][5]["error"] == "'send_to_bpjs' is not allowed from state 'submitted'"
    assert body["results"][6]["error"] == "No enrolment 999999"
    listed = api.call("get", "/enrolments?state=sent_to_bpjs&kecamatan=09&cohort=informal").get_json()
    assert sorted(e["id"] for e in listed["items"]) == sorted(ids) and listed["total"] == 5


def test_premiums_per_cohort_and_programme(api):
    api.active(20, jht=True, declared_income=2_000_000)
    api.active(21, cohort="rt_rw", declared_income=None)
    api.active(22, start="2026-04-01")  # starts after March: not in the March bill
    lapsed = api.active(23)
    api.fire(lapsed, "lapse", user="demo-bpjs", data={"reason": "arrears", "effective_date": "2026-03-10"})
    body = api.call("get", "/reports/premiums?month=2026-03", user="demo-supervisor").get_json()
    # (BPJS's invoices beside the liability: tests/reports/test_premium_report.py)
    assert [{k: line[k] for k in ("cohort", "programme", "participants", "total")} for line in body["lines"]] == [
        {"cohort": "informal", "programme": "jht", "participants": 1, "total": 40_000},
        {"cohort": "informal", "programme": "jkk", "participants": 2, "total": 30_000},
        {"cohort": "informal", "programme": "jkm", "participants": 2, "total": 13_600},
        {"cohort": "rt_rw", "programme": "jkk", "participants": 1, "total": 10_000},
        {"cohort": "rt_rw", "programme": "jkm", "participants": 1, "total": 6_800},
    ]
    assert (body["participants"], body["total"]) == (3, 100_400)
    assert api.call("get", "/reports/premiums?month=2026-13", user="demo-supervisor").status_code == 422
    assert api.call("get", "/reports/premiums?month=2026-03", user="demo-primaya").status_code == 403
