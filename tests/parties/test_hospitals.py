import pytest
import sqlalchemy as sa

from berjasa.db import db
from berjasa.parties.models import Party, PlkkAgreement
from tests.conftest import bearer


@pytest.mark.parametrize("user", ["demo-caseworker", "demo-supervisor", "demo-bpjs", "demo-primaya", "demo-admin"])
def test_everyone_reads_the_hospitals(client, tokens, user):
    body = client.get("/api/v1/hospitals", headers=bearer(tokens[user])).get_json()
    assert [h["code"] for h in body] == ["RS-BHAYANGKARA", "RS-PRIMAYA", "RSUD-DAYA"]
    primaya = body[1]
    assert primaya["name"] == "RS Primaya Makassar"
    assert primaya["plkk_agreements"] == [{"valid_from": "2026-02-13", "valid_to": None, "reference": None}]


def test_admin_registers_a_hospital(app, client, tokens):
    payload = {"code": "RS-LABUANG-BAJI", "name": "RSUD Labuang Baji",
               "plkk_agreements": [{"valid_from": "2025-01-01", "valid_to": "2026-12-31", "reference": "PKS/1"}]}
    response = client.post("/api/v1/hospitals", json=payload, headers=bearer(tokens["demo-admin"]))
    assert response.status_code == 201
    assert response.get_json() == {**payload, "plkk_today": True}
    with app.app_context(), db.new_session() as session:
        party = session.scalar(sa.select(Party).where(Party.code == "RS-LABUANG-BAJI"))
        assert party.kind == "hospital"
        assert [(a.valid_from.isoformat(), a.reference) for a in party.agreements] == [("2025-01-01", "PKS/1")]
    got = client.get("/api/v1/hospitals/RS-LABUANG-BAJI", headers=bearer(tokens["demo-primaya"]))
    assert got.get_json()["name"] == "RSUD Labuang Baji"


def test_a_duplicate_code_conflicts_and_writes_nothing(app, client, tokens):
    response = client.post("/api/v1/hospitals", json={"code": "RS-PRIMAYA", "name": "Again"},
                           headers=bearer(tokens["demo-admin"]))
    assert response.status_code == 409
    assert response.get_json(force=True)["errors"] == {"code": ["already in use"]}
    with app.app_context(), db.new_session() as session:
        names = session.scalars(sa.select(Party.name).where(Party.code == "RS-PRIMAYA")).all()
    assert names == ["RS Primaya Makassar"]


def test_agreement_periods_are_added_and_may_not_overlap(app, client, tokens):
    admin = bearer(tokens["demo-admin"])
    # RS Bhayangkara's agreement ended on 2025-12-31: renew it from 2026-03-01.
    renewed = client.post("/api/v1/hospitals/RS-BHAYANGKARA/agreements",
                          json={"valid_from": "2026-03-01", "reference": "PKS/2026/7"}, headers=admin)
    assert renewed.status_code == 201
    assert [a["valid_from"] for a in renewed.get_json()["plkk_agreements"]] == ["2023-01-01", "2026-03-01"]
    overlap = client.post("/api/v1/hospitals/RS-BHAYANGKARA/agreements",
                          json={"valid_from": "2025-06-01", "valid_to": "2026-01-31"}, headers=admin)
    assert overlap.status_code == 409
    assert "overlaps" in overlap.get_json(force=True)["detail"]
    with app.app_context(), db.new_session() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(PlkkAgreement)
                               .join(Party).where(Party.code == "RS-BHAYANGKARA"))
    assert count == 2
    missing = client.post("/api/v1/hospitals/RS-NONE/agreements", json={"valid_from": "2026-01-01"}, headers=admin)
    assert missing.status_code == 404
    forbidden = client.post("/api/v1/hospitals/RS-PRIMAYA/agreements", json={"valid_from": "2027-01-01"},
                            headers=bearer(tokens["demo-primaya"]))
    assert forbidden.status_code == 403


def test_plkk_validity_by_date(app, tokens):
    from datetime import date

    from berjasa.parties.service import get_hospital

    with app.app_context(), db.new_session() as session:
        bhayangkara = get_hospital(session=session, code="RS-BHAYANGKARA")
        assert bhayangkara.plkk_valid_on(date(2025, 12, 31))
        assert not bhayangkara.plkk_valid_on(date(2026, 1, 1))
        primaya = get_hospital(session=session, code="RS-PRIMAYA")
        assert not primaya.plkk_valid_on(date(2026, 2, 12))
        assert primaya.plkk_valid_on(date(2026, 2, 13))


def test_the_fifteen_kecamatan(client, tokens):
    body = client.get("/api/v1/kecamatan", headers=bearer(tokens["demo-caseworker"])).get_json()
    assert len(body) == 15
    assert body[8] == {"code": "09", "full_code": "73.71.09", "name": "Panakkukang", "code_confirmed": True}
    assert sum(not k["code_confirmed"] for k in body) == 7
