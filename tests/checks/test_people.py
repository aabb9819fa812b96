"""The checks of people against a BPJS membership file, each with a hit and a non-hit, on hand-made data.

Participant n is "Andi Rahman n", born 1990-05-17, NIK 737109170590000n (tests.enrolment.helpers.nik), KPJ
260000000n, active from 2026-01-01 unless said otherwise."""

import sqlalchemy as sa

from berjasa.db import db
from berjasa.discrepancies.models import Discrepancy
from tests.checks.helpers import bpjs_file, found, import_file, run_all

FILE = bpjs_file(
    "7371091705900001,26000000001,Andi Rahman 1,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city",     # clean
    # 2 is not in the file
    "7371091705900003,26000000003,Andi Rahman 3,1990-05-17,jkk+jkm,non_active,2026-01-01,2026-11,0,city",
    "7371091705900004,26000000099,Andi Rahman 4,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city",
    "7371091705900005,26000000005,Andi Rahmann 5,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city",   # spelling
    "7371091705900006,26000000006,Baso Tangko,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city",
    "7371091705900007,26000000007,Andi Rahman 7,1990-05-18,jkk+jkm,active,2026-01-01,2026-11,0,city",
    "7371091705900008,26000000008,Andi Rahman 8,1990-05-17,jkk+jkm,non_active,2026-01-01,2026-08,3,city",
    "7371091705900009,26000000009,Andi Rahman 9,1990-05-17,jkk+jkm,active,2026-01-01,2026-09,2,city",
    "7371091705900010,26000000010,Andi Rahman 10,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,employer",
    "7371011111800001,27000000011,Hasnah Jafar,1980-11-11,jkk+jkm,active,2026-01-01,2026-11,0,city",     # unknown
    "7371091705900012,26000000012,Andi Rahman 12,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city",
    "7371091705900013,26000000013,Andi Rahman 13,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city",
    "7371091705900014,26000000014,Andi Rahman 14,1990-05-17,jkk+jkm,non_active,2026-01-01,2026-02,3,city",
    "7371011212800002,27000000015,Irwan Sangkala,1980-12-12,jkk+jkm,non_active,2026-01-01,2026-03,3,city",
    "7371011212800003,27000000016,Kartini Ramli,1980-12-12,jkk+jkm,active,2026-01-01,2026-11,0,employer",
)


def people(api):
    """Participants 1-14 but 11 active; 12 then terminated as deceased; 13 and 14 lapsed."""
    active = {serial: api.active(serial) for serial in (*range(1, 11), 12, 13, 14)}
    api.fire(active[12], "terminate", data={"reason": "deceased", "effective_date": "2026-03-01"})
    for serial in (13, 14):
        api.fire(active[serial], "lapse", user="demo-bpjs",
                 data={"reason": "three months of arrears", "effective_date": "2026-02-01"})
    return {serial: (str(e["id"]), str(e["participant"]["id"])) for serial, e in active.items()}


def test_each_person_check_finds_its_case_and_leaves_the_others(api):
    ids = people(api)
    batch, runs = import_file(api.client.application, FILE)
    assert (batch.status, batch.created, batch.rejected) == ("done", 15, 0)
    enrolment, participant = ({s: ids[s][0] for s in ids}, {s: ids[s][1] for s in ids})
    assert found(api.client.application) == {
        ("enrolment_active_not_at_bpjs", "enrolment", enrolment[2]),
        ("enrolment_active_not_at_bpjs", "enrolment", enrolment[3]),
        ("kpj_mismatch", "participant", participant[4]),
        ("identity_mismatch", "participant", participant[6]),
        ("identity_mismatch", "participant", participant[7]),
        ("arrears", "enrolment", enrolment[8]),
        ("registered_elsewhere", "enrolment", enrolment[10]),
        ("active_at_bpjs_not_in_city", "nik", "7371011111800001"),
        ("paid_for_deceased_or_moved", "enrolment", enrolment[12]),
        ("active_at_bpjs_not_in_city", "nik", "7371091705900013"),
    }
    assert {name: (run.found, run.opened) for name, run in runs.items()} == {
        "enrolment_active_not_at_bpjs": (2, 2), "active_at_bpjs_not_in_city": (2, 2), "kpj_mismatch": (1, 1),
        "identity_mismatch": (2, 2), "arrears": (1, 1), "paid_for_deceased_or_moved": (1, 1),
        "registered_elsewhere": (1, 1)}


def test_the_evidence_names_both_sides_and_their_sources(api):
    ids = people(api)
    batch, _ = import_file(api.client.application, FILE, name="bpjs-2026-11.csv")
    with api.client.application.app_context(), db.new_session() as session, session.begin():
        kpj = session.scalar(sa.select(Discrepancy).where(Discrepancy.check == "kpj_mismatch"))
        arrears = session.scalar(sa.select(Discrepancy).where(Discrepancy.check == "arrears"))
    assert kpj.evidence == {
        "city": {"source": f"participant {ids[4][1]}", "values": {"kpj_number": "26000000004"}},
        "bpjs": {"source": f"BPJS file {batch.id} (bpjs-2026-11.csv), line 4", "values": {"kpj_number": "26000000099"}},
    }
    assert (kpj.party, kpj.state.value, kpj.kecamatan_code) == ("bpjs", "open", "09")
    assert arrears.evidence["bpjs"]["values"] == {"status": "non_active", "arrears_months": 3,
                                                  "paid_until": "2026-08-01"}
    assert arrears.party == "disnaker"


def test_the_arrears_threshold_is_a_setting(api):
    app = api.client.application
    ids = people(api)
    app.config["CHECK_ARREARS_MONTHS"] = 2
    import_file(app, FILE)
    assert {key for check, _, key in found(app) if check == "arrears"} == {ids[8][0], ids[9][0]}


def test_without_a_bpjs_file_the_file_checks_are_skipped(api):
    api.active(1)
    runs = run_all(api.client.application, ["enrolment_active_not_at_bpjs", "duplicate_open_claims"])
    assert (runs["enrolment_active_not_at_bpjs"].status, runs["duplicate_open_claims"].status) == ("skipped", "done")
    assert found(api.client.application) == set()


def test_the_automatic_lapse_lapses_an_enrolment_in_arrears_as_the_system(api):
    app = api.client.application
    app.config["CHECK_ARREARS_LAPSE"] = True
    ids = people(api)
    import_file(app, FILE)
    lapsed = api.call("get", f"/enrolments/{ids[8][0]}").get_json()
    assert lapsed["state"] == "lapsed"
    history = api.call("get", f"/enrolments/{ids[8][0]}/history").get_json()
    assert (history[-1]["trigger"], history[-1]["role"], history[-1]["actor"]) == ("lapse", "system", "system:checks")
    assert history[-1]["data"] == {"reason": "3 months in arrears at BPJS (check arrears)",
                                   "effective_date": "2026-09-01"}
    assert api.call("get", f"/enrolments/{ids[9][0]}").get_json()["state"] == "active"  # 2 months: not yet
