"""Personal data (UU 27/2022): `berjasa privacy export NIK` writes everything held about a person; the retention
rule pseudonymises people with no open case for five years, keeps the audit log whole and verifiable, and the
same NIK still finds what is left. Time moved with time-machine."""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa

from berjasa.db import db
from berjasa.registry.models import Participant
from tests.claims.helpers import ClaimsApi
from tests.enrolment.helpers import nik
from tests.notifications.helpers import pump
from tests.sla.conftest import wita

T0 = wita(2026, 3, 2, 9, 0)


def berjasa(app, *args: str, stdin: str | None = None):
    from workers.cli import cli

    result = app.test_cli_runner().invoke(cli, args=list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def participant(app, participant_id: int) -> Participant:
    with app.app_context(), db.new_session() as session, session.begin():
        return session.get(Participant, participant_id)


def test_export_writes_everything_held_about_a_person(api: ClaimsApi, any_app, tmp_path, travel):
    travel(T0)
    enrolment = api.active(1)
    api.call("patch", f"/participants/{enrolment['participant']['id']}",
             json={"address": "Jl. Sungai Saddang 12", "reason": "moved"})
    claim = api.admit(api.report(1, accident_at="2026-03-02T08:00:00+08:00"))
    api.report(2)  # somebody else's
    pump(any_app)
    out = tmp_path / "export.json"
    done = berjasa(any_app, "privacy", "export", nik(1), "-o", str(out))
    assert done.exit_code == 0, done.output
    assert done.output == "NIK 7371**********01: participant yes, 1 enrolment(s), 1 claim(s), 3 notification(s)\n"
    held = json.loads(out.read_text())
    person = held["participant"]
    assert (person["nik"], person["name"], person["address"], person["kpj_number"]) == (
        "7371091705900001", "Andi Rahman 1", "Jl. Sungai Saddang 12", "26000000001")
    assert [(e["trigger"], e["data"]) for e in held["participant_history"]] == [
        ("correct", {"changes": {"address": {"from": None, "to": "Jl. Sungai Saddang 12"}}})]
    assert [(c["start_date"], c["end_date"], c["programmes"]) for c in held["coverage_periods"]] == [
        ("2026-01-01", None, ["jkk", "jkm"])]
    [held_enrolment] = held["enrolments"]
    assert (held_enrolment["id"], held_enrolment["state"]) == (enrolment["id"], "active")
    assert [e["trigger"] for e in held_enrolment["history"]] == ["create", "verify", "send_to_bpjs", "activate"]
    [held_claim] = held["claims"]
    assert (held_claim["id"], held_claim["nik"], held_claim["state"]) == (claim["id"], nik(1), "hospital_care")
    assert [e["trigger"] for e in held_claim["history"]] == ["create", "admit"]
    assert {c["policy"] for c in held_claim["clocks"]} >= {"claim.bpjs_decision", "claim.expiry",
                                                          "claim.hospital_update"}
    assert held_claim["hospitals"][0]["hospital"] == "RS-PRIMAYA"
    # the activation told to Disnaker; the hospital's report told to the caseworkers and to BPJS
    assert sorted((n["rule"], n["recipient"].split("@")[0]) for n in held["notifications"]) == [
        ("claim.reported_by_hospital", "bpjs_officer"), ("claim.reported_by_hospital", "caseworker"),
        ("enrolment.activated", "caseworker")]
    # the NIK read from standard input (kept out of the shell's history), and a NIK nobody holds
    assert berjasa(any_app, "privacy", "export", "-", "-o", str(out), stdin=nik(1) + "\n").exit_code == 0
    assert json.loads(out.read_text())["participant"]["id"] == enrolment["participant"]["id"]
    unknown = berjasa(any_app, "privacy", "export", nik(99))
    assert unknown.exit_code == 1 and unknown.output == "Error: nothing is held about NIK 7371**********99\n"
    assert berjasa(any_app, "privacy", "export", "12345").output == "Error: a NIK is 16 digits\n"


def people(api: ClaimsApi) -> dict[str, int]:
    """Five people in the states the rule tells apart; returns their participant ids."""
    rejected = api.enrolment(api.participant(1, phone="081200000001", address="Jl. Cendrawasih 3")["id"])
    api.fire(rejected, "reject", data={"reason_code": "ineligible", "note": "decile 7"})
    api.report(1, accident_at="2026-03-02T08:00:00+08:00")  # reported by RS Primaya, then withdrawn below
    withdrawn = api.call("get", "/claims/1").get_json()
    api.act(withdrawn, "withdraw", "demo-caseworker", data={"reason": "not a work accident"})
    active = api.active(2)
    lapsed = api.active(3)
    api.fire(lapsed, "lapse", user="demo-bpjs", data={"reason": "arrears", "effective_date": "2026-03-01"})
    registered = api.participant(4)
    open_claim = api.participant(5)
    api.report(5, accident_at="2026-03-02T08:00:00+08:00")
    return {"rejected": rejected["participant"]["id"], "active": active["participant"]["id"],
            "lapsed": lapsed["participant"]["id"], "registered": registered["id"], "open_claim": open_claim["id"]}


def test_the_retention_rule_pseudonymises_after_five_years_with_no_open_case(api: ClaimsApi, any_app, travel,
                                                                            tmp_path):
    travel(T0)
    ids = people(api)
    travel(T0 + timedelta(days=5 * 365))  # 1 March 2031: five years are not over yet
    assert berjasa(any_app, "privacy", "retention").output == "0 participant(s) with no open case for 5 years\n"
    travel(T0 + timedelta(days=5 * 365 + 2))
    listed = berjasa(any_app, "privacy", "retention")
    due = sorted([ids["rejected"], ids["lapsed"], ids["registered"]])
    assert listed.output == f"3 participant(s) with no open case for 5 years: {', '.join(map(str, due))}\n"
    assert participant(any_app, ids["rejected"]).nik == nik(1)  # listing changes nothing
    applied = berjasa(any_app, "privacy", "retention", "--apply")
    assert applied.output.endswith("pseudonymised 3 participant(s)\n")

    person = participant(any_app, ids["rejected"])
    assert person.nik.startswith("P") and len(person.nik) == 16 and person.nik != nik(1)
    assert (person.name, person.phone, person.address, person.kelurahan, person.kpj_number, person.birth_date) == (
        "[pseudonymised]", None, None, None, None, date(1990, 1, 1))
    assert (person.sex.value, person.kecamatan_code, person.cohort.value, person.decile) == ("M", "09", "informal", 2)
    for kept in ("active", "open_claim"):
        assert participant(any_app, ids[kept]).pseudonymised_at is None
    claim = api.call("get", "/claims/1").get_json()
    assert (claim["nik"], claim["state"], claim["place"], claim["chronology"], claim["reporter_name"]) == (
        person.nik, "withdrawn", "[pseudonymised]", "[pseudonymised]", "[pseudonymised]")
    history = api.call("get", f"/participants/{ids['rejected']}/history").get_json()
    assert [(e["trigger"], e["reason"]) for e in history] == [
        ("pseudonymise", "no open case for 5 years (personal data retention)")]
    assert "081200000001" not in json.dumps(history) and nik(1) not in json.dumps(history)

    verified = berjasa(any_app, "audit", "verify")
    assert verified.exit_code == 0 and verified.output.startswith("audit log intact"), verified.output
    assert berjasa(any_app, "privacy", "export", nik(1), "-o", str(tmp_path / "after.json")).exit_code == 0
    held = json.loads((tmp_path / "after.json").read_text())
    assert (held["participant"]["id"], held["participant"]["name"]) == (ids["rejected"], "[pseudonymised]")
    assert [c["id"] for c in held["claims"]] == [1]
    assert berjasa(any_app, "privacy", "retention").output == "0 participant(s) with no open case for 5 years\n"
    again = api.participant(1)  # the same person registers again: a new record
    assert again["id"] not in ids.values()
    with any_app.app_context(), db.new_session() as session, session.begin():
        assert session.scalar(sa.select(sa.func.count()).select_from(Participant)
                              .where(Participant.pseudonymised_at.is_not(None))) == 3
