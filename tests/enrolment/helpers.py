"""Small builders for the enrolment tests: valid NIKs and API calls with the demo users."""

from __future__ import annotations

from datetime import date

from tests.conftest import bearer


def nik(serial: int, *, born: date = date(1990, 5, 17), female: bool = False, kecamatan: str = "09") -> str:
    day = born.day + 40 if female else born.day
    return f"7371{kecamatan}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def person(serial: int, **overrides) -> dict:
    body = {
        "nik": nik(serial), "name": f"Andi Rahman {serial}", "sex": "M", "birth_date": "1990-05-17",
        "kecamatan": "09", "kelurahan": "Karampuang", "cohort": "informal", "decile": 2,
        "decile_snapshot": "2025-10-01", "declared_income": 1_000_000,
    }
    body.update(overrides)
    return body


class Api:
    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def call(self, method, path, user="demo-caseworker", **kwargs):
        return getattr(self.client, method)(f"/api/v1{path}", headers=bearer(self.tokens[user]), **kwargs)

    def participant(self, serial, **overrides) -> dict:
        response = self.call("post", "/participants", json=person(serial, **overrides))
        assert response.status_code == 201, response.get_json(force=True)
        return response.get_json()

    def enrolment(self, participant_id, jht=False) -> dict:
        response = self.call("post", "/enrolments", json={"participant_id": participant_id, "jht": jht})
        assert response.status_code == 201, response.get_json(force=True)
        return response.get_json()

    def fire(self, enrolment, trigger, user="demo-caseworker", data=None, expect=200, version=None):
        body = {"trigger": trigger, "expected_version": version or enrolment["version"], "data": data or {}}
        response = self.call("post", f"/enrolments/{enrolment['id']}/transitions", user=user, json=body)
        assert response.status_code == expect, response.get_json(force=True)
        return response.get_json(force=True)

    def active(self, serial, start="2026-01-01", jht=False, **overrides) -> dict:
        participant = self.participant(serial, **overrides)
        enrolment = self.enrolment(participant["id"], jht=jht)
        enrolment = self.fire(enrolment, "verify")
        enrolment = self.fire(enrolment, "send_to_bpjs")
        programmes = ["jkk", "jkm", "jht"] if jht else ["jkk", "jkm"]
        return self.fire(enrolment, "activate", user="demo-bpjs",
                         data={"kpj_number": f"260{serial:08d}", "coverage_start": start, "programmes": programmes})
