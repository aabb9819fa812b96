"""The discrepancy queue as pages: each party's part of it (hospital staff their hospital's only), its filters and
CSV, a discrepancy's evidence, the actions the API offers with their refusals next to the field, and the
caseworker's worklist."""

import csv
import io

from tests.checks.helpers import bpjs_file, import_file, states
from tests.checks.test_queue import CLEAN, NON_ACTIVE, OTHER_KPJ
from tests.sla.conftest import any_app, api  # noqa: F401  (fixtures)
from tests.web.html import table_rows, words
from tests.web.test_pages import csrf_of
from tests.web.test_report_pages import signed_in

UNKNOWN = "7371011111800001,27000000011,Hasnah Jafar,1980-11-11,jkk+jkm,active,,,0,city"


def found_three(api):  # noqa: F811
    """Three people active in the city; BPJS's file has one of them non-active, another under another KPJ number,
    and a NIK the city does not know: two discrepancies for BPJS, one for Disnaker."""
    app = api.client.application
    for n in (1, 2, 3):
        api.active(n)
    import_file(app, bpjs_file(CLEAN.format(n=1), NON_ACTIVE.format(n=2), OTHER_KPJ.format(n=3), UNKNOWN))
    items = api.call("get", "/discrepancies", user="demo-supervisor").get_json()["items"]
    return {item["check"]: item["id"] for item in items}


def listed(body):
    """(check, state, who must act, what about) of each row of the queue's table."""
    return sorted((row[1], row[2], row[3], row[4]) for row in table_rows(body)[1:])


def test_each_party_sees_its_part_of_the_queue_with_filters(api, any_app):  # noqa: F811
    ids = found_three(api)
    caseworker = signed_in(any_app, "demo-caseworker")
    everything = caseworker.get("/discrepancies").get_data(as_text=True)
    assert listed(everything) == [
        ("aktif di BPJS, tidak aktif di kota", "terbuka", "Disnaker", "NIK 7371011111800001"),
        ("aktif di kota, tidak aktif di BPJS", "terbuka", "BPJS", "pendaftaran 2"),
        ("nomor KPJ berbeda", "terbuka", "BPJS", "peserta 3"),
    ]
    bpjs = signed_in(any_app, "demo-bpjs")
    theirs = bpjs.get("/discrepancies?party=bpjs&check=kpj_mismatch").get_data(as_text=True)
    assert listed(theirs) == [("nomor KPJ berbeda", "terbuka", "BPJS", "peserta 3")]
    assert f'href="/discrepancies/{ids["kpj_mismatch"]}"' in theirs
    refused = bpjs.get("/discrepancies?state=lost").get_data(as_text=True)
    assert 'id="filter-state-error"' in refused and len(listed(refused)) == 3  # not filtered, and says so
    assert "Sebagian saringan tidak sah" in refused
    exported = bpjs.get("/discrepancies.csv?party=bpjs")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert sorted((r["check"], r["state"]) for r in rows) == [("enrolment_active_not_at_bpjs", "open"),
                                                            ("kpj_mismatch", "open")]
    hospital = signed_in(any_app, "demo-primaya")  # none of these is attributed to a hospital
    assert "Tidak ada." in words(hospital.get("/discrepancies").get_data(as_text=True))
    assert hospital.get(f"/discrepancies/{ids['kpj_mismatch']}").status_code == 404
    assert signed_in(any_app, "demo-admin").get("/discrepancies").status_code == 403


def test_a_discrepancy_page_shows_the_evidence_and_refuses_a_dismissal_without_a_reason(api, any_app):  # noqa: F811
    ids = found_three(api)
    kpj = ids["kpj_mismatch"]
    bpjs = signed_in(any_app, "demo-bpjs")
    body = bpjs.get(f"/discrepancies/{kpj}").get_data(as_text=True)
    assert table_rows(body, None)[:2] == [["Nilai", "kota", "BPJS"], ["Nomor KPJ", "26000000003", "26999999993"]]
    assert '<a href="/participants/3">3</a>' in body
    assert [h for h in ("Tangani", "Selesaikan", "Kesampingkan") if f"<h3>{h}</h3>" in body] == [
        "Tangani", "Selesaikan", "Kesampingkan"]
    assert 'name="run"' not in body  # only the checks say which run no longer found it
    token = csrf_of(bpjs, f"/discrepancies/{kpj}")
    refused = bpjs.post(f"/discrepancies/{kpj}/dismiss", data={"csrf_token": token, "expected_version": "1",
                                                               "reason": "  "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert '<p class="error" id="dismiss-reason-error">Wajib diisi.</p>' in page
    assert states(any_app)[("kpj_mismatch", "3")] == "open"  # nothing written
    done = bpjs.post(f"/discrepancies/{kpj}/acknowledge", data={"csrf_token": token, "expected_version": "1",
                                                                "note": "checking the card"})
    assert done.status_code == 302 and done.headers["Location"] == f"/discrepancies/{kpj}"
    after = words(bpjs.get(f"/discrepancies/{kpj}").get_data(as_text=True))
    assert f"Selisih data {kpj} diterima untuk ditangani" in after and "demo-bpjs" in after
    dismissed = bpjs.post(f"/discrepancies/{kpj}/dismiss", data={
        "csrf_token": token, "expected_version": "2", "reason": "a second card was issued; both are valid"})
    assert dismissed.status_code == 302
    assert states(any_app)[("kpj_mismatch", "3")] == "dismissed"
    history = api.call("get", f"/discrepancies/{kpj}/history").get_json()
    assert [(e["trigger"], e["actor"], e["reason"]) for e in history[1:]] == [
        ("acknowledge", "demo-bpjs", None), ("dismiss", "demo-bpjs", "a second card was issued; both are valid")]
    # an action the workflow does not have is no page
    assert bpjs.post(f"/discrepancies/{kpj}/explode", data={"csrf_token": token}).status_code == 404


def test_the_worklist_shows_the_open_discrepancies_disnaker_must_set_right(api, any_app):  # noqa: F811
    ids = found_three(api)
    caseworker = signed_in(any_app, "demo-caseworker")
    body = caseworker.get("/worklist").get_data(as_text=True)
    section = body[body.index('id="discrepancies"'):]
    assert words(section).startswith('id="discrepancies">Selisih data terbuka 1 ')
    assert f'href="/discrepancies/{ids["active_at_bpjs_not_in_city"]}"' in section
    assert f'href="/discrepancies/{ids["kpj_mismatch"]}"' not in section  # BPJS's, not Disnaker's
    assert "belum tersedia" not in words(body).lower()
    token = csrf_of(caseworker, "/worklist")
    caseworker.post(f"/discrepancies/{ids['active_at_bpjs_not_in_city']}/resolve",
                    data={"csrf_token": token, "expected_version": "1", "note": "enrolled again"})
    again = caseworker.get("/worklist").get_data(as_text=True)
    assert f'href="/discrepancies/{ids["active_at_bpjs_not_in_city"]}"' not in again[again.index('id="discrepancies"'):]
