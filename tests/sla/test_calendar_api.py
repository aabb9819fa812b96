"""The calendar over the API: the 2026 decree, and an override that moves a running working-day clock and back."""

import sqlalchemy as sa

from berjasa.calendar.models import CalendarChange
from berjasa.events.models import CaseEvent
from tests.sla.conftest import rows, wita


def activation_due(api, enrolment_id):
    shown = api.call("get", f"/enrolments/{enrolment_id}", user="demo-bpjs").get_json()
    return next(c["due_at"] for c in shown["clocks"] if c["policy"] == "enrolment.activation" and c["run"] == 1)


def test_the_2026_calendar_lists_the_decree(api):
    body = api.call("get", "/calendar?year=2026", user="demo-primaya").get_json()
    assert body["version"] == 0
    assert [(d["day"], d["kind"]) for d in body["days_off"] if d["kind"] == "cuti_bersama"] == [
        ("2026-02-16", "cuti_bersama"), ("2026-03-18", "cuti_bersama"), ("2026-03-20", "cuti_bersama"),
        ("2026-03-23", "cuti_bersama"), ("2026-03-24", "cuti_bersama"), ("2026-05-15", "cuti_bersama"),
        ("2026-05-28", "cuti_bersama"), ("2026-12-24", "cuti_bersama")]
    assert len(body["days_off"]) == 21  # 25 days of the decree, 4 of them on a weekend
    independence = next(d for d in body["days_off"] if d["day"] == "2026-08-17")
    assert (independence["name"], independence["weekday"], independence["override"]) == (
        "Hari Kemerdekaan Republik Indonesia", "Monday", False)
    assert api.call("get", "/calendar?year=1800", user="demo-primaya").status_code == 422


def test_an_ad_hoc_holiday_moves_a_running_clock_by_a_day_and_its_removal_moves_it_back(api, travel, any_app):
    travel(wita(2026, 7, 6, 10, 0))
    enrolment = api.enrolment(api.participant(1)["id"])
    enrolment = api.fire(api.fire(enrolment, "verify"), "send_to_bpjs")
    # 14 working days from Mon 6 Jul 10:00: its last 14 h, 7-10, 13-17 and 20-23 Jul (13 days), 10 h of 24 Jul
    assert activation_due(api, enrolment["id"]) == "2026-07-24T10:00:00+08:00"
    refused = api.call("post", "/calendar/overrides", user="demo-caseworker",
                       json={"day": "2026-07-14", "kind": "holiday", "name": "x", "source": "y"})
    assert refused.status_code == 403
    added = api.call("post", "/calendar/overrides", user="demo-admin", json={
        "day": "2026-07-14", "kind": "holiday", "name": "Libur khusus (test)", "source": "SK Wali Kota 7/2026"})
    assert added.status_code == 201, added.get_json()
    override = added.get_json()
    assert (override["clocks_moved"], override["entered_by"]) == (1, "demo-admin")
    assert activation_due(api, enrolment["id"]) == "2026-07-27T10:00:00+08:00"
    body = api.call("get", "/calendar?year=2026", user="demo-caseworker").get_json()
    assert body["version"] == 1
    assert [(d["name"], d["source"], d["override"]) for d in body["days_off"] if d["day"] == "2026-07-14"] == [
        ("Libur khusus (test)", "SK Wali Kota 7/2026", True)]
    again = api.call("post", "/calendar/overrides", user="demo-admin", json={
        "day": "2026-07-14", "kind": "cuti_bersama", "name": "x", "source": "y"})
    assert again.status_code == 409
    removed = api.call("delete", f"/calendar/overrides/{override['id']}", user="demo-admin")
    assert removed.status_code == 200 and removed.get_json()["clocks_moved"] == 1
    assert activation_due(api, enrolment["id"]) == "2026-07-24T10:00:00+08:00"
    changes = rows(any_app, sa.select(CalendarChange.version, CalendarChange.change, CalendarChange.clocks_moved))
    assert changes == [(1, "added", 1), (2, "removed", 1)]
    audited = rows(any_app, sa.select(CaseEvent.trigger, CaseEvent.actor, CaseEvent.seq)
                   .where(CaseEvent.case_type == "calendar_override"))
    assert audited == [("added", "demo-admin", 1), ("removed", "demo-admin", 2)]


def test_a_weekday_declared_working_and_bad_overrides(api):
    made = api.call("post", "/calendar/overrides", user="demo-admin", json={
        "day": "2026-12-24", "kind": "working_day", "name": "Kantor buka", "source": "SE Sekda 9/2026"})
    assert made.status_code == 201
    body = api.call("get", "/calendar?year=2026", user="demo-admin").get_json()
    assert "2026-12-24" not in [d["day"] for d in body["days_off"]]
    assert body["working_days"] == [{"day": "2026-12-24", "name": "Kantor buka", "source": "SE Sekda 9/2026"}]
    weekend = api.call("post", "/calendar/overrides", user="demo-admin", json={
        "day": "2026-07-11", "kind": "working_day", "name": "x", "source": "y"}).get_json()
    assert weekend["status"] == 422 and "day" in weekend["errors"]
    bad = api.call("post", "/calendar/overrides", user="demo-admin", json={"day": "2026-07-14", "kind": "party"})
    assert bad.status_code == 422 and {"kind", "name", "source"} <= set(bad.get_json()["errors"])
    assert api.call("delete", "/calendar/overrides/999", user="demo-admin").status_code == 404
