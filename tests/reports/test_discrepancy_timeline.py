"""The cross-checks' discrepancies on a case's timeline: opened, acknowledged, resolved (by a person or by data),
dismissed, reopened, each with its check, party, states, time and actor; seen as the discrepancy queue is seen
(hospital staff: only what is attributed to their hospital)."""

from tests.checks.helpers import bpjs_file, import_file, pump, tick
from tests.sla.conftest import any_app, api, travel, wita  # noqa: F401  (fixtures)


def discrepancy_entries(api, case, user="demo-supervisor"):  # noqa: F811
    """(time, kind, check, party, from, to, actor) of the discrepancy entries on a case's timeline."""
    body = api.call("get", f"/{case}/timeline", user=user).get_json()
    return [(e["at"], e["kind"], e["detail"]["check"], e["detail"]["party"], e["detail"]["from_state"],
             e["detail"]["to_state"], e["detail"]["actor"]) for e in body["entries"]
            if e["kind"].startswith("discrepancy_")]


def test_a_claims_discrepancy_opened_acknowledged_and_resolved_by_data_seen_by_its_hospital_only(
        api, any_app, travel):  # noqa: F811
    travel(wita(2026, 3, 1, 10, 0))
    api.active(1)
    claim = api.admit(api.report(1), at="2026-03-01T10:15:00+08:00")
    pump(any_app)
    travel(wita(2026, 3, 8, 10, 20))  # in care for more than 7 days without BPJS's decision
    tick(any_app, wita(2026, 3, 8, 10, 20))
    pump(any_app)
    travel(wita(2026, 3, 8, 11, 0))  # the patient moves to another hospital; the finding stays RS-PRIMAYA's
    claim = api.act(claim, "refer", "demo-primaya", {"hospital": "RSUD-DAYA", "reason": "needs neurosurgery",
                                                     "referred_at": "2026-03-08T11:00:00+08:00"})
    item = api.call("get", "/discrepancies", user="demo-bpjs").get_json()["items"][0]
    travel(wita(2026, 3, 8, 11, 30))
    acknowledged = api.call("post", f"/discrepancies/{item['id']}/transitions", user="demo-bpjs", json={
        "trigger": "acknowledge", "expected_version": 1, "data": {"note": "verifying today"}})
    assert acknowledged.status_code == 200, acknowledged.get_json()
    travel(wita(2026, 3, 8, 12, 0))
    api.act(claim, "verify", "demo-bpjs")
    pump(any_app)

    seen = [("2026-03-08T10:20:00+08:00", "discrepancy_opened", "admitted_not_verified", "bpjs", None, "open",
             "system:checks"),
            ("2026-03-08T11:30:00+08:00", "discrepancy_acknowledged", "admitted_not_verified", "bpjs", "open",
             "acknowledged", "demo-bpjs"),
            ("2026-03-08T12:00:00+08:00", "discrepancy_resolved", "admitted_not_verified", "bpjs", "acknowledged",
             "resolved", "system:checks")]
    assert discrepancy_entries(api, f"claims/{claim['id']}") == seen
    assert discrepancy_entries(api, f"claims/{claim['id']}", user="demo-primaya") == seen
    # RSUD-DAYA treats the claim now and sees its timeline, but not a discrepancy attributed to RS-PRIMAYA
    assert api.call("get", f"/claims/{claim['id']}/timeline", user="demo-daya").status_code == 200
    assert discrepancy_entries(api, f"claims/{claim['id']}", user="demo-daya") == []

    entries = api.call("get", f"/claims/{claim['id']}/timeline", user="demo-bpjs").get_json()["entries"]
    opened = next(e for e in entries if e["kind"] == "discrepancy_opened")
    assert opened["detail"].pop("reason").startswith("found by check run ")
    assert opened["detail"] == {
        "discrepancy_id": item["id"], "check": "admitted_not_verified", "party": "bpjs", "hospital": "RS-PRIMAYA",
        "subject": {"type": "claim", "key": str(claim["id"]), "link": f"/api/v1/claims/{claim['id']}"},
        "from_state": None, "to_state": "open", "actor": "system:checks", "role": "system"}
    # in time order with the claim's own entries: the referral at 11:00 comes between opening and acknowledging
    kinds = [(e["at"], e["kind"]) for e in entries
             if e["at"] >= "2026-03-08T10:20" and not e["kind"].startswith(("clock_", "notification_"))]
    assert kinds[:4] == [("2026-03-08T10:20:00+08:00", "discrepancy_opened"),
                         ("2026-03-08T11:00:00+08:00", "transition"),
                         ("2026-03-08T11:30:00+08:00", "discrepancy_acknowledged"),
                         ("2026-03-08T12:00:00+08:00", "transition")]


CLEAN = "737109170590000{n},2600000000{n},Andi Rahman {n},1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"
# not active at BPJS, and under another KPJ number there
WRONG = "737109170590000{n},2699999999{n},Andi Rahman {n},1990-05-17,jkk+jkm,non_active,,,0,city"


def test_an_enrolments_discrepancies_and_its_participants_but_not_another_persons(
        api, any_app, travel):  # noqa: F811
    travel(wita(2026, 3, 2, 9, 0))
    mine, other = api.active(1), api.active(2)
    travel(wita(2026, 3, 3, 8, 0))
    import_file(any_app, bpjs_file(WRONG.format(n=1), WRONG.format(n=2)))
    kpj = api.call("get", "/discrepancies?check=kpj_mismatch", user="demo-bpjs").get_json()["items"]
    kpj = next(d for d in kpj if d["subject"]["key"] == str(mine["participant"]["id"]))
    travel(wita(2026, 3, 4, 9, 0))
    dismissed = api.call("post", f"/discrepancies/{kpj['id']}/transitions", user="demo-bpjs", json={
        "trigger": "dismiss", "expected_version": 1, "data": {"reason": "second card issued; both are valid"}})
    assert dismissed.status_code == 200, dismissed.get_json()
    travel(wita(2026, 3, 5, 8, 0))  # a corrected file: active at BPJS again, the second KPJ number kept
    import_file(any_app, bpjs_file(WRONG.format(n=1).replace("non_active,,", "active,2026-01-01,2026-11"),
                                   CLEAN.format(n=2)))
    travel(wita(2026, 3, 6, 8, 0))  # and the old one again: found again, reopened
    import_file(any_app, bpjs_file(WRONG.format(n=1), CLEAN.format(n=2)))

    assert discrepancy_entries(api, f"enrolments/{mine['id']}") == [
        ("2026-03-03T08:00:00+08:00", "discrepancy_opened", "enrolment_active_not_at_bpjs", "bpjs", None, "open",
         "system:checks"),
        ("2026-03-03T08:00:00+08:00", "discrepancy_opened", "kpj_mismatch", "bpjs", None, "open", "system:checks"),
        ("2026-03-04T09:00:00+08:00", "discrepancy_dismissed", "kpj_mismatch", "bpjs", "open", "dismissed",
         "demo-bpjs"),
        ("2026-03-05T08:00:00+08:00", "discrepancy_resolved", "enrolment_active_not_at_bpjs", "bpjs", "open",
         "resolved", "system:checks"),
        ("2026-03-06T08:00:00+08:00", "discrepancy_reopened", "enrolment_active_not_at_bpjs", "bpjs", "resolved",
         "open", "system:checks")]
    entries = api.call("get", f"/enrolments/{mine['id']}/timeline", user="demo-bpjs").get_json()["entries"]
    dismissal = next(e for e in entries if e["kind"] == "discrepancy_dismissed")["detail"]
    assert (dismissal["subject"], dismissal["reason"]) == (
        {"type": "participant", "key": str(mine["participant"]["id"]),
         "link": f"/api/v1/participants/{mine['participant']['id']}"}, "second card issued; both are valid")
    # the other person's enrolment has its own two, and the second file resolved both by data
    assert [(kind, check, to) for _, kind, check, _, _, to, _ in discrepancy_entries(api, f"enrolments/{other['id']}")
            ] == [("discrepancy_opened", "enrolment_active_not_at_bpjs", "open"),
                  ("discrepancy_opened", "kpj_mismatch", "open"),
                  ("discrepancy_resolved", "enrolment_active_not_at_bpjs", "resolved"),
                  ("discrepancy_resolved", "kpj_mismatch", "resolved")]
