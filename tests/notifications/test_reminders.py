"""Reminders while a clock stays breached: every 3 working days after its due time, at most REMINDER_MAX times,
never after the clock is met; the clock moved with time-machine."""

import sqlalchemy as sa

from berjasa.events.models import Timer
from tests.notifications.helpers import messages, pump, tick
from tests.sla.conftest import rows, wita


def reminders(api):
    return [m for m in messages(api.client, api.tokens["demo-bpjs"]) if m.startswith("Pengingat")]


def breached_claim(api, travel, app):
    travel(wita(2026, 6, 1, 9, 0))
    api.active(1)
    travel(wita(2026, 7, 6, 12, 0))  # a Monday: BPJS's decision is due 30 days later, Wednesday 5 August, 12:00
    claim = api.report(1, accident_at="2026-07-06T09:00:00+08:00")
    for moment in (wita(2026, 7, 31, 12, 0), wita(2026, 8, 5, 12, 0)):
        travel(moment)
        tick(app, moment)
        pump(app)
    return claim


def test_a_reminder_every_three_working_days_at_most_three_times(api, travel, any_app):
    any_app.config["REMINDER_MAX"] = 3
    breached_claim(api, travel, any_app)
    seen = {}
    # 17 August (Independence Day) is no working day: the third reminder waits until the 19th
    for moment in (wita(2026, 8, 10, 11, 59), wita(2026, 8, 10, 12, 0), wita(2026, 8, 13, 11, 59),
                   wita(2026, 8, 13, 12, 0), wita(2026, 8, 18, 12, 0), wita(2026, 8, 19, 12, 0),
                   wita(2026, 9, 30, 12, 0), wita(2026, 12, 31, 12, 0)):
        travel(moment)
        tick(any_app, moment)
        pump(any_app)
        seen[moment.strftime("%m-%d %H:%M")] = len(reminders(api))
    assert seen == {"08-10 11:59": 0, "08-10 12:00": 1, "08-13 11:59": 1, "08-13 12:00": 2, "08-18 12:00": 2,
                    "08-19 12:00": 3, "09-30 12:00": 3, "12-31 12:00": 3}
    assert reminders(api) == [
        "Pengingat ke-3: Keputusan BPJS untuk klaim 1 masih terlambat 14 hari",
        "Pengingat ke-2: Keputusan BPJS untuk klaim 1 masih terlambat 8 hari",
        "Pengingat ke-1: Keputusan BPJS untuk klaim 1 masih terlambat 5 hari",
    ]
    timers = rows(any_app, sa.select(Timer.due_at, Timer.payload).where(Timer.kind == "sla.reminder")
                  .order_by(Timer.due_at))
    assert [(due.astimezone(wita(2026, 1, 1).tzinfo).strftime("%Y-%m-%d %H:%M"), p["reminder"]) for due, p in timers] \
        == [("2026-08-10 12:00", 1), ("2026-08-13 12:00", 2), ("2026-08-19 12:00", 3)]
    # the caseworkers are reminded too; the supervisors hear only the escalation (due + 3 working days)
    caseworker = messages(api.client, api.tokens["demo-caseworker"])
    assert sum(m.startswith("Pengingat") for m in caseworker) == 3
    assert messages(api.client, api.tokens["demo-supervisor"]) == [
        "Eskalasi: Keputusan BPJS untuk klaim 1 terlambat 5 hari (tanggung jawab BPJS)"]


def test_reminders_stop_when_the_clock_is_met(api, travel, any_app):
    claim = breached_claim(api, travel, any_app)
    travel(wita(2026, 8, 10, 12, 0))
    tick(any_app, wita(2026, 8, 10, 12, 0))
    pump(any_app)
    assert len(reminders(api)) == 1
    travel(wita(2026, 8, 11, 9, 0))
    api.act(claim, "verify", "demo-bpjs")  # the decision, late: the clock is met
    for moment in (wita(2026, 8, 13, 12, 0), wita(2026, 9, 30, 12, 0)):
        travel(moment)
        tick(any_app, moment)
        pump(any_app)
    assert len(reminders(api)) == 1


def test_no_reminders_when_the_cap_is_zero(api, travel, any_app):
    any_app.config["REMINDER_MAX"] = 0
    breached_claim(api, travel, any_app)
    travel(wita(2026, 9, 30, 12, 0))
    tick(any_app, wita(2026, 9, 30, 12, 0))
    pump(any_app)
    assert reminders(api) == []
    assert rows(any_app, sa.select(Timer.id).where(Timer.kind == "sla.reminder")) == []
