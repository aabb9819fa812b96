from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.enrolment.helpers import Api, nik

WITA_ACCIDENT = "2026-03-01T09:30:00+08:00"
DOCS = ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses"]


def report_body(serial: int, **overrides) -> dict:
    body = {
        "nik": nik(serial), "accident_at": WITA_ACCIDENT, "place": "Pelabuhan Soekarno-Hatta, Makassar",
        "accident_type": "work_site", "chronology": "Fell from a stack of crates while unloading; two witnesses.",
        "injury": "fractured left wrist", "reporter_name": "Nurhayati", "reporter_phone": "081234567890",
    }
    body.update(overrides)
    return body


def recent(hours: float = 2) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).astimezone().isoformat()


class ClaimsApi(Api):
    def report(self, serial, user="demo-primaya", expect=201, headers=None, **overrides):
        response = self.client.post("/api/v1/claims", json=report_body(serial, **overrides),
                                    headers={**self._auth(user), **(headers or {})})
        assert response.status_code == expect, response.get_json(force=True)
        return response.get_json(force=True)

    def _auth(self, user):
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def act(self, claim, trigger, user, data=None, expect=200, version=None):
        body = {"trigger": trigger, "expected_version": version or claim["version"], "data": data or {}}
        response = self.call("post", f"/claims/{claim['id']}/transitions", user=user, json=body)
        assert response.status_code == expect, response.get_json(force=True)
        return response.get_json(force=True)

    def admit(self, claim, user="demo-primaya", hospital="RS-PRIMAYA", at=WITA_ACCIDENT, **kw):
        return self.act(claim, "admit", user, {"hospital": hospital, "admitted_at": at, "care": "inpatient"}, **kw)

    def complete(self, claim, user="demo-primaya", **kw):
        return self.act(claim, "complete_treatment", user, {
            "doctor_statement_at": "2026-03-10T10:00:00+08:00", "outcome": "recovered",
            "discharged_at": "2026-03-10T12:00:00+08:00", "medical_cost": 7_500_000}, **kw)
