"""Participants corrected (audited, the NIK immutable) and listed with their enrolments and claims; past imports
listed, their times in WITA."""

import io

import pytest

from berjasa.db import db
from berjasa.events import audit
from tests.claims.helpers import ClaimsApi
from tests.enrolment.helpers import nik
from tests.enrolment.test_imports import csv_bytes


@pytest.fixture
def api(client, tokens):
    return ClaimsApi(client, tokens)


def test_a_correction_is_audited_and_the_nik_never_changes(api, app):
    person = api.participant(1, sex="M", birth_date="1990-05-17")
    response = api.call("patch", f"/participants/{person['id']}", json={
        "name": "Andi Rahman", "birth_date": "1990-05-18", "phone": "0812 3456 789", "reason": "typo on the form"})
    assert response.status_code == 200
    corrected = response.get_json()
    assert (corrected["name"], corrected["birth_date"], corrected["phone"]) == ("Andi Rahman", "1990-05-18",
                                                                               "0812 3456 789")
    assert corrected["nik"] == nik(1) and corrected["review_flags"] == ["nik_birth_date_mismatch"]
    history = api.call("get", f"/participants/{person['id']}/history", user="demo-supervisor").get_json()
    assert [(h["seq"], h["trigger"], h["actor"], h["reason"], h["data"]) for h in history] == [
        (1, "correct", "demo-caseworker", "typo on the form", {"changes": {
            "name": {"from": "Andi Rahman 1", "to": "Andi Rahman"},
            "birth_date": {"from": "1990-05-17", "to": "1990-05-18"},
            "phone": {"from": None, "to": "0812 3456 789"}}})]
    assert history[0]["at"].endswith("+08:00")
    refused = api.call("patch", f"/participants/{person['id']}", json={"nik": nik(2), "reason": "wrong person"})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["nik"]
    assert api.call("patch", f"/participants/{person['id']}", json={"name": "X"}).get_json()["errors"] == {
        "reason": ["Missing data for required field."]}
    assert api.call("patch", f"/participants/{person['id']}", json={"name": "X", "reason": "r"},
                    user="demo-bpjs").status_code == 403
    assert api.call("get", f"/participants/{person['id']}").get_json()["name"] == "Andi Rahman"
    with app.app_context(), db.new_session() as session, session.begin():
        assert audit.verify(session).first_break is None


def test_a_participants_enrolments_and_claims(api):
    api.active(1)
    other = api.participant(2)
    api.enrolment(other["id"])
    claim = api.report(1)
    enrolments = api.call("get", "/participants/1/enrolments").get_json()
    assert [(e["participant"]["id"], e["state"]) for e in enrolments["items"]] == [(1, "active")]
    claims = api.call("get", "/participants/1/claims", user="demo-bpjs").get_json()
    assert [(c["id"], c["participant_id"]) for c in claims["items"]] == [(claim["id"], 1)]
    assert api.call("get", "/participants/2/claims").get_json()["items"] == []
    assert api.call("get", "/participants/99/claims").status_code == 404
    assert api.call("get", "/participants/99/enrolments").status_code == 404
    assert api.call("get", "/participants/1/claims", user="demo-primaya").status_code == 403


def test_past_imports_are_listed_newest_first_in_wita(api, app):
    from berjasa.enrolment import imports

    with app.app_context(), db.new_session() as session:
        for seed in (1, 2):
            imports.start_import(session=session, requested_by="demo-caseworker", filename=f"f{seed}.csv",
                                 file=io.BytesIO(csv_bytes(5, seed=seed)), background=False)
    listed = api.call("get", "/enrolments/imports").get_json()
    assert [(b["id"], b["filename"], b["status"]) for b in listed["items"]] == [(2, "f2.csv", "queued"),
                                                                               (1, "f1.csv", "queued")]
    assert listed["total"] == 2 and all(b["created_at"].endswith("+08:00") for b in listed["items"])
    assert api.call("get", "/enrolments/imports/1").get_json()["created_at"].endswith("+08:00")


@pytest.mark.parametrize(("total", "largest", "rows"), [
    (0, 10_000, 2_000), (1_000, 10_000, 2_000), (45_685, 10_000, 2_000), (300_000, 10_000, 3_000),
    (1_000_000, 10_000, 10_000), (5_000_000, 10_000, 10_000), (1_000_000, 25_000, 10_000),
    (5_000_000, 25_000, 25_000), (1_000, 3, 3)])
def test_an_import_moves_on_by_at_most_one_percent_at_a_time(total, largest, rows):
    from berjasa.imports.engine import chunk_size

    assert chunk_size(total, largest) == rows
