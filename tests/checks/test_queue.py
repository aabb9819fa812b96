"""The discrepancy queue: one per (check, subject) however often the checks run, resolved by data when a later file
no longer shows it, a dismissal that sticks until the evidence changes, the API with its filters, CSV and scoping,
and the responsible party told."""

import csv
import io

from tests.checks.helpers import bpjs_file, found, import_file, pump, states

CLEAN = "737109170590000{n},2600000000{n},Andi Rahman {n},1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"
NON_ACTIVE = "737109170590000{n},2600000000{n},Andi Rahman {n},1990-05-17,jkk+jkm,non_active,,,0,city"
OTHER_KPJ = "737109170590000{n},2699999999{n},Andi Rahman {n},1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"


def world(api, count=3):
    return {n: api.active(n) for n in range(1, count + 1)}


def test_a_rerun_opens_nothing_new_and_a_corrected_file_resolves_by_data(api):
    app = api.client.application
    enrolments = world(api)
    first = bpjs_file(CLEAN.format(n=1), NON_ACTIVE.format(n=2), OTHER_KPJ.format(n=3))
    batch, runs = import_file(app, first)
    assert (runs["enrolment_active_not_at_bpjs"].opened, runs["kpj_mismatch"].opened) == (1, 1)
    repeated, again = import_file(app, first)  # the same file again: the same batch, the same findings
    assert repeated.id == batch.id
    assert {name: (run.found, run.opened, run.reopened, run.auto_resolved) for name, run in again.items()
            if run.found} == {"enrolment_active_not_at_bpjs": (1, 0, 0, 0), "kpj_mismatch": (1, 0, 0, 0)}
    assert len(found(app)) == 2
    _, fixed = import_file(app, bpjs_file(CLEAN.format(n=1), CLEAN.format(n=2), CLEAN.format(n=3)))
    assert (fixed["enrolment_active_not_at_bpjs"].auto_resolved, fixed["kpj_mismatch"].auto_resolved) == (1, 1)
    assert states(app) == {("enrolment_active_not_at_bpjs", str(enrolments[2]["id"])): "resolved",
                           ("kpj_mismatch", str(enrolments[3]["participant"]["id"])): "resolved"}
    body = api.call("get", "/discrepancies?check=kpj_mismatch").get_json()["items"][0]
    assert body["resolved_by_data"] is True
    history = api.call("get", f"/discrepancies/{body['id']}/history").get_json()
    assert [(e["trigger"], e["actor"], e["to_state"]) for e in history] == [
        ("create", "system:checks", "open"), ("resolve", "system:checks", "resolved")]
    assert history[1]["data"]["note"] == "resolved by data: the check no longer finds it"
    assert [c["state"] for c in body["clocks"]] == ["met"]
    # found again later: the same discrepancy reopens, none is added
    import_file(app, first)
    assert states(app)[("kpj_mismatch", str(enrolments[3]["participant"]["id"]))] == "open"
    assert len(found(app)) == 2
    # the bulk-opened cases keep intact audit chains, and their clocks are what the audit log makes of them
    from berjasa.db import db
    from berjasa.events import audit
    from berjasa.sla.rebuild import rebuild

    with app.app_context(), db.new_session() as session:
        with session.begin():
            assert audit.verify(session).first_break is None
        assert rebuild(session=session) == []


def test_a_dismissal_sticks_until_the_evidence_changes(api):
    app = api.client.application
    world(api)
    import_file(app, bpjs_file(CLEAN.format(n=1), CLEAN.format(n=2), OTHER_KPJ.format(n=3)))
    item = api.call("get", "/discrepancies?check=kpj_mismatch").get_json()["items"][0]
    refused = api.call("post", f"/discrepancies/{item['id']}/transitions", user="demo-bpjs",
                       json={"trigger": "dismiss", "expected_version": 1, "data": {}})
    assert refused.status_code == 422 and "data.reason" in refused.get_json()["errors"]
    dismissed = api.call("post", f"/discrepancies/{item['id']}/transitions", user="demo-bpjs", json={
        "trigger": "dismiss", "expected_version": 1, "data": {"reason": "second card issued; both are valid"}})
    assert dismissed.status_code == 200
    assert (dismissed.get_json()["state"], dismissed.get_json()["version"]) == ("dismissed", 2)
    _, runs = import_file(app, bpjs_file(CLEAN.format(n=1), CLEAN.format(n=2), OTHER_KPJ.format(n=3)))
    assert (runs["kpj_mismatch"].found, runs["kpj_mismatch"].reopened) == (1, 0)
    assert api.call("get", f"/discrepancies/{item['id']}").get_json()["state"] == "dismissed"
    other = OTHER_KPJ.format(n=3).replace("26999999993", "26888888883")
    _, runs = import_file(app, bpjs_file(CLEAN.format(n=1), CLEAN.format(n=2), other))
    assert runs["kpj_mismatch"].reopened == 1
    reopened = api.call("get", f"/discrepancies/{item['id']}").get_json()
    assert (reopened["state"], reopened["evidence"]["bpjs"]["values"]) == ("open", {"kpj_number": "26888888883"})


def test_people_work_the_queue_by_party_with_filters_and_csv(api):
    app = api.client.application
    world(api)
    import_file(app, bpjs_file(CLEAN.format(n=1), NON_ACTIVE.format(n=2), OTHER_KPJ.format(n=3),
                               "7371011111800001,27000000011,Hasnah Jafar,1980-11-11,jkk+jkm,active,,,0,city"))
    bpjs = api.call("get", "/discrepancies?party=bpjs", user="demo-bpjs").get_json()
    assert sorted(i["check"] for i in bpjs["items"]) == ["enrolment_active_not_at_bpjs", "kpj_mismatch"]
    city = api.call("get", "/discrepancies?party=disnaker&state=open", user="demo-supervisor").get_json()
    assert [(i["check"], i["subject"]["type"], i["severity"]) for i in city["items"]] == [
        ("active_at_bpjs_not_in_city", "nik", "high")]
    assert city["items"][0]["subject"]["key"] == "7371**********01"  # a supervisor sees NIKs masked
    first = bpjs["items"][0]
    acknowledged = api.call("post", f"/discrepancies/{first['id']}/transitions", user="demo-bpjs",
                            json={"trigger": "acknowledge", "expected_version": 1, "data": {"note": "checking"}})
    assert acknowledged.get_json()["allowed_triggers"] == ["dismiss", "resolve"]
    listed = api.call("get", "/discrepancies?state=acknowledged", user="demo-bpjs").get_json()
    assert [i["id"] for i in listed["items"]] == [first["id"]]
    assert api.call("get", "/discrepancies?kecamatan=01").get_json()["total"] == 0
    export = api.call("get", "/discrepancies.csv?party=bpjs", user="demo-bpjs")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert export.mimetype == "text/csv"
    assert sorted((r["check"], r["state"], r["party"]) for r in rows) == [
        ("enrolment_active_not_at_bpjs", "open", "bpjs"), ("kpj_mismatch", "acknowledged", "bpjs")]
    assert "bpjs: kpj_number=26999999993" in next(r for r in rows if r["check"] == "kpj_mismatch")["evidence"]


def test_hospitals_see_only_what_is_attributed_to_them(api):
    app = api.client.application
    world(api, 1)
    import_file(app, bpjs_file(NON_ACTIVE.format(n=1)))
    assert api.call("get", "/discrepancies", user="demo-primaya").get_json()["total"] == 0
    some = api.call("get", "/discrepancies").get_json()["items"][0]
    assert api.call("get", f"/discrepancies/{some['id']}", user="demo-primaya").status_code == 404
    assert api.call("post", f"/discrepancies/{some['id']}/transitions", user="demo-primaya",
                    json={"trigger": "acknowledge", "expected_version": 1}).status_code == 404
    assert api.call("get", "/checks", user="demo-primaya").status_code == 403


def test_checks_list_their_last_run(api):
    app = api.client.application
    world(api, 2)
    import_file(app, bpjs_file(CLEAN.format(n=1)))
    checks = {c["name"]: c for c in api.call("get", "/checks", user="demo-supervisor").get_json()}
    assert len(checks) == 13
    mine = checks["enrolment_active_not_at_bpjs"]
    assert (mine["party"], mine["severity"], mine["open"]) == ("bpjs", "high", 1)
    run = mine["last_run"]
    assert (run["trigger"], run["full"], run["found"], run["opened"], run["auto_resolved"]) == ("import", True, 1, 1, 0)
    assert run["seconds"] >= 0 and run["started_at"].endswith("+08:00")
    assert checks["care_cost_mismatch"]["last_run"] is None  # claim checks do not run after a BPJS file


def test_the_responsible_party_is_told_of_an_opened_discrepancy(api):
    app = api.client.application
    world(api, 1)
    import_file(app, bpjs_file(NON_ACTIVE.format(n=1)))
    pump(app, consumers=("notifications",))
    inbox = api.call("get", "/notifications", user="demo-bpjs").get_json()
    item = next(i for i in inbox["items"] if i["rule"] == "discrepancy.opened")
    assert item["message"].startswith("Selisih data baru (aktif di kota, tidak aktif di BPJS): selisih data ")
    assert item["message"].endswith(", tanggung jawab BPJS")
    city = api.call("get", "/notifications", user="demo-caseworker").get_json()
    assert not [i for i in city["items"] if i["rule"] == "discrepancy.opened"]


def test_a_hospital_is_told_of_its_own(api, any_app):
    """The care cost check names the treating hospital; only that hospital's staff are told."""
    from tests.checks.test_claims import paid_claim

    paid_claim(api, serial=1, reported=7_500_000, medical=7_000_000)
    pump(any_app)
    primaya = api.call("get", "/notifications", user="demo-primaya").get_json()["items"]
    assert [i["rule"] for i in primaya if i["rule"].startswith("discrepancy")] == ["discrepancy.opened"]
    listed = api.call("get", "/discrepancies", user="demo-primaya")
    assert [(i["check"], i["party"]) for i in listed.get_json()["items"]] == [("care_cost_mismatch", "RS-PRIMAYA")]
    daya = api.call("get", "/notifications", user="demo-daya").get_json()["items"]
    assert not [i for i in daya if i["rule"].startswith("discrepancy")]


def test_an_escalated_discrepancy_tells_its_party_and_the_supervisors(api, travel):
    from tests.checks.helpers import tick
    from tests.sla.conftest import wita

    app = api.client.application
    travel(wita(2026, 3, 2, 9, 0))
    world(api, 1)
    import_file(app, bpjs_file(NON_ACTIVE.format(n=1)))
    pump(app)
    travel(wita(2026, 5, 4, 9, 0))  # long past 10 working days and 3 more
    tick(app, wita(2026, 5, 4, 9, 0))
    pump(app)
    rules = {i["rule"] for i in api.call("get", "/notifications", user="demo-bpjs").get_json()["items"]}
    assert {"discrepancy.opened", "sla.breached", "discrepancy.escalated"} <= rules
    supervisors = {i["rule"] for i in api.call("get", "/notifications", user="demo-supervisor").get_json()["items"]}
    assert "sla.escalated" in supervisors
    clock = api.call("get", "/discrepancies").get_json()["items"][0]["clocks"][0]
    assert (clock["policy"], clock["party"], clock["state"]) == ("discrepancy.resolution", "bpjs", "breached")
