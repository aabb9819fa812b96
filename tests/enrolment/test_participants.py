import pytest
import sqlalchemy as sa

from berjasa.db import db
from berjasa.registry.models import Participant
from tests.enrolment.helpers import Api, nik, person


@pytest.fixture
def api(client, tokens):
    return Api(client, tokens)


def test_a_caseworker_registers_a_participant_and_sees_the_full_nik(api, app):
    body = api.participant(1)
    assert body["nik"] == nik(1)
    assert (body["name"], body["sex"], body["kecamatan"], body["cohort"]) == ("Andi Rahman 1", "M", "09", "informal")
    assert (body["decile"], body["decile_snapshot"], body["review_flags"]) == (2, "2025-10-01", [])
    with app.app_context(), db.new_session() as session:
        stored = session.scalar(sa.select(Participant).where(Participant.id == body["id"]))
        assert stored.nik == nik(1) and stored.kecamatan_code == "09"


@pytest.mark.parametrize(("user", "shown"), [("demo-bpjs", "full"), ("demo-supervisor", "masked"),
                                             ("demo-admin", "masked")])
def test_only_roles_that_need_it_see_a_full_nik(api, user, shown):
    created = api.participant(2)
    body = api.call("get", f"/participants/{created['id']}", user=user).get_json()
    assert body["nik"] == (nik(2) if shown == "full" else nik(2)[:4] + "*" * 10 + nik(2)[-2:])


def test_hospital_staff_cannot_browse_the_registry(api):
    created = api.participant(3)
    assert api.call("get", "/participants", user="demo-primaya").status_code == 403
    assert api.call("get", f"/participants/{created['id']}", user="demo-primaya").status_code == 403


def test_a_mismatching_birth_date_or_sex_is_flagged_not_refused(api):
    body = api.participant(4, birth_date="1991-05-17", sex="F")
    assert body["review_flags"] == ["nik_birth_date_mismatch", "nik_sex_mismatch"]


def test_a_nik_issued_outside_makassar_is_accepted(api):
    body = api.participant(5, nik="3171011705900005")
    assert body["nik"] == "3171011705900005" and body["review_flags"] == []


@pytest.mark.parametrize(("override", "field"), [
    ({"nik": "12345"}, "nik"), ({"nik": "9971011705900001"}, "nik"), ({"kecamatan": "16"}, "kecamatan"),
    ({"cohort": "farmer"}, "cohort"), ({"decile": 11}, "decile"), ({"decile_snapshot": None}, "decile_snapshot"),
    ({"sex": "X"}, "sex"), ({"declared_income": -1}, "declared_income"),
])
def test_invalid_fields_are_named_and_nothing_is_written(api, app, override, field):
    response = api.call("post", "/participants", json=person(6, **override))
    assert response.status_code == 422
    assert field in response.get_json(force=True)["errors"]
    with app.app_context(), db.new_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0


def test_a_duplicate_nik_conflicts(api):
    api.participant(7)
    response = api.call("post", "/participants", json=person(7, name="Someone Else"))
    assert response.status_code == 409
    assert response.get_json(force=True)["errors"] == {"nik": ["already registered"]}


def test_search_by_nik_name_kecamatan_and_cohort(api):
    api.participant(8, name="Siti Aminah", sex="F", nik=nik(8, female=True), kecamatan="13", cohort="rt_rw")
    api.participant(9, name="Budi Santoso")
    api.participant(10, name="Siti Rahma", sex="F", nik=nik(10, female=True))

    def names(query):
        body = api.call("get", f"/participants?{query}", user="demo-bpjs").get_json()
        return [p["name"] for p in body["items"]], body["total"]

    assert names("name=siti") == (["Siti Aminah", "Siti Rahma"], 2)
    assert names(f"nik={nik(9)}") == (["Budi Santoso"], 1)
    assert names("kecamatan=13") == (["Siti Aminah"], 1)
    assert names("cohort=rt_rw&per_page=1") == (["Siti Aminah"], 1)
    assert names("name=siti&per_page=1&page=2") == (["Siti Rahma"], 2)
    bad = api.call("get", "/participants?kecamatan=99&per_page=0")
    assert bad.status_code == 422 and set(bad.get_json(force=True)["errors"]) == {"query.kecamatan",
                                                                                  "query.per_page"}
