"""A case "as of" a moment, rebuilt from its audit log, against what the API answered at that moment.

A randomly generated history (fixed seeds) of enrolments, claims, participant corrections and ticks, with the
clock moved between steps: after every step each case is read as it stands; at the end each of those readings is
asked for again with `as_of` and must come back the same, field by field, and every case read `as_of` now must be
the stored row."""

import functools
import random
from datetime import timedelta

import pytest

from tests.claims.helpers import report_body
from tests.enrolment.helpers import person
from tests.sla.conftest import any_app, api, tick, travel, wita  # noqa: F401  (fixtures)

START = wita(2026, 3, 2, 8, 0)
HOSPITALS = ["RS-PRIMAYA", "RSUD-DAYA"]
ALL_DOCUMENTS = ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "transport_receipts",
                 "chronology_with_witnesses", "police_report", "referral_letter"]


class History:
    """Random steps through the API at moments that move forward; every case read after each step."""

    def __init__(self, client_api, app, move_to, seed):
        self.api, self.app, self.travel, self.rng = client_api, app, move_to, random.Random(seed)
        self.now = START
        self.people, self.enrolments, self.claims, self.readings = [], [], [], []
        self.steps, self.touched = 0, None

    def run(self, steps):
        for first in range(3):  # three people covered early, so that claims can be verified and go on
            self.step(self.new_enrolment)
            for _ in ("verify", "send_to_bpjs", "activate"):
                self.step(functools.partial(self.enrolment_step, first))
        for _ in range(steps):
            self.step(self.rng.choice([self.new_enrolment, self.enrolment_step, self.enrolment_step, self.new_claim,
                                       self.claim_step, self.claim_step, self.claim_step, self.claim_step,
                                       self.correction]))

    def step(self, action):
        """Move the clock, tick, act; read the case acted on (every case now and then, and after a correction,
        which every case of the person shows)."""
        self.now += timedelta(minutes=self.rng.choice([7, 45, 180, 600, 1440, 4320, 11520]))
        self.travel(self.now)
        tick(self.app, self.now)
        self.touched = None
        action()
        self.steps += 1
        if self.touched is None or self.steps % 8 == 0:
            self.read_everything()
        else:
            self.read(*self.touched)

    def call(self, method, path, user="demo-caseworker", **kwargs):
        return self.api.call(method, path, user=user, **kwargs)

    # ---------------------------------------------------------------- enrolments
    def new_enrolment(self):
        serial = len(self.people) + 1
        body = person(serial, kecamatan=self.rng.choice(["01", "09", "13"]),
                      cohort=self.rng.choice(["informal", "rt_rw"]))
        participant = self.call("post", "/participants", json=body).get_json()
        self.people.append(participant["id"])
        enrolment = self.call("post", "/enrolments", json={"participant_id": participant["id"]}).get_json()
        self.enrolments.append(enrolment["id"])
        self.touched = ("enrolments", enrolment["id"])

    def enrolment_step(self, index=None):
        if not self.enrolments:
            return self.new_enrolment()
        enrolment_id = self.enrolments[index] if index is not None else self._pick("enrolments", self.enrolments)
        current = self.call("get", f"/enrolments/{enrolment_id}").get_json()
        options = {"submitted": ["verify", "verify", "reject"], "verified": ["send_to_bpjs"],
                   "sent_to_bpjs": ["activate"], "active": ["lapse", "terminate"],
                   "lapsed": ["reactivate", "terminate"]}
        trigger = self.rng.choice(options.get(current["state"], ["verify"])[:1 if index is not None else None])
        user, data = {
            "verify": ("demo-caseworker", {}), "send_to_bpjs": ("demo-caseworker", {}),
            "reactivate": ("demo-caseworker", {}),
            "reject": ("demo-caseworker", {"reason_code": "other", "note": "not eligible"}),
            "activate": ("demo-bpjs", {"kpj_number": f"26{current['participant']['id']:09d}",
                                       "coverage_start": "2026-01-01", "programmes": ["jkk", "jkm"]}),
            "lapse": ("demo-bpjs", {"reason": "three months of arrears", "effective_date": self._today()}),
            "terminate": ("demo-caseworker", {"reason": "moved", "effective_date": self._today()}),
        }[trigger]
        self._fire(f"/enrolments/{enrolment_id}", trigger, user, data, current["version"])
        self.touched = ("enrolments", enrolment_id)

    def correction(self):
        if not self.people:
            return self.new_enrolment()
        change = self.rng.choice([{"name": f"Nama Baru {self.rng.randint(1, 999)}"}, {"kecamatan": "13"},
                                  {"cohort": "non_asn"}, {"decile": self.rng.randint(1, 4)}])
        self.call("patch", f"/participants/{self.rng.choice(self.people)}", json={**change, "reason": "typo"})

    # ---------------------------------------------------------------- claims
    def new_claim(self):
        if not self.people:
            return self.new_enrolment()
        serial = self.rng.choice([1, 2, 3, self.rng.randint(1, len(self.people))])
        accident = self.now - timedelta(hours=self.rng.choice([1, 20, 60]))
        body = report_body(serial, accident_at=accident.isoformat(),
                           accident_type=self.rng.choice(["work_site", "commute"]))
        user = self.rng.choice(["demo-caseworker", "demo-primaya"])
        response = self.call("post", "/claims", user=user, json=body)
        assert response.status_code == 201, response.get_json()
        self.claims.append(response.get_json()["id"])
        self.touched = ("claims", response.get_json()["id"])

    def claim_step(self):
        if not self.claims:
            return self.new_claim()
        claim_id = self._pick("claims", self.claims)
        current = self.call("get", f"/claims/{claim_id}", user="demo-supervisor").get_json()
        options = {"reported": ["admit"] * 3 + ["verify"] * 2 + ["reject", "withdraw"],
                   "verified": ["admit"] * 4 + ["withdraw"],
                   "hospital_care": ["verify"] * 3 + ["update_care", "refer"] + ["complete_treatment"] * 3,
                   "treatment_completed": ["submit_documents"], "under_review": ["request_documents", "approve"],
                   "awaiting_documents": ["submit_documents"], "approved": ["pay"], "paid": ["close"],
                   "rejected": ["reopen"]}
        trigger = self.rng.choice(options.get(current["state"], ["verify"]))
        user, data = self._claim_data(trigger, current)
        self._fire(f"/claims/{claim_id}", trigger, user, data, current["version"])
        self.touched = ("claims", claim_id)

    def _claim_data(self, trigger, claim):
        now = self.now.isoformat()
        other = [h for h in HOSPITALS if h != claim["hospital"]]
        return {
            "admit": ("demo-caseworker", {"hospital": self.rng.choice(HOSPITALS), "admitted_at": now,
                                          "care": "inpatient"}),
            "verify": ("demo-bpjs", {}), "withdraw": ("demo-caseworker", {"reason": "reported twice"}),
            "reject": ("demo-bpjs", {"reason_code": "other", "note": "no witnesses"}),
            "update_care": ("demo-caseworker", {"note": "stable", "expected_discharge": None}),
            "refer": ("demo-caseworker", {"hospital": other[0], "reason": "needs surgery"}),
            "complete_treatment": ("demo-caseworker", {
                "doctor_statement_at": (self.now - timedelta(hours=3)).isoformat(), "outcome": "recovered",
                "discharged_at": now, "medical_cost": 2_500_000}),
            "submit_documents": ("demo-caseworker", {"documents": ALL_DOCUMENTS}),
            "request_documents": ("demo-bpjs", {"missing": ["police_report"]}),
            "approve": ("demo-bpjs", {"benefits": {"medical": 2_500_000, "transport": 150_000}}),
            "pay": ("demo-bpjs", {"payments": [
                {"line": "medical", "payee": "RS", "amount": 2_500_000, "reference": "TRF-1"},
                {"line": "transport", "payee": "Andi", "amount": 150_000, "reference": "TRF-2"}]}),
            "close": ("demo-supervisor", {}), "reopen": ("demo-supervisor", {"reason": "new evidence"}),
        }[trigger]

    def _fire(self, path, trigger, user, data, version):
        response = self.call("post", f"{path}/transitions", user=user,
                             json={"trigger": trigger, "expected_version": version, "data": data})
        assert response.status_code in (200, 409), response.get_json()  # a guard may refuse: nothing written

    def _pick(self, kind, ids):
        """A case still going somewhere (as last read), if there is one."""
        latest = {case_id: body["state"] for k, case_id, _, _, body in self.readings if k == kind}
        final = ("withdrawn", "closed") if kind == "claims" else ("terminated", "rejected")
        going = [i for i in ids if latest.get(i) not in final]
        return self.rng.choice(going or ids)

    def _today(self):
        return self.now.date().isoformat()

    # ---------------------------------------------------------------- readings
    def read_everything(self):
        for case_id in self.claims:
            self.read("claims", case_id)
        for case_id in self.enrolments:
            self.read("enrolments", case_id)

    def read(self, kind, case_id):
        user = "demo-supervisor" if kind == "claims" else "demo-caseworker"
        body = self.call("get", f"/{kind}/{case_id}", user=user).get_json()
        self.readings.append((kind, case_id, user, self.now, body))


def past(client_api, kind, case_id, user, moment):
    response = client_api.call("get", f"/{kind}/{case_id}", user=user, query_string={"as_of": moment.isoformat()})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def differences(expected, found):
    """Field by field (clocks run by run); allowed_triggers is empty in the past by design."""
    keys = (set(expected) | set(found)) - {"allowed_triggers", "clocks"}
    diff = {key: (expected.get(key), found.get(key)) for key in keys if expected.get(key) != found.get(key)}
    runs = {(c["policy"], c["run"]): c for c in expected["clocks"]}
    again = {(c["policy"], c["run"]): c for c in found["clocks"]}
    for run in runs.keys() | again.keys():
        if runs.get(run) != again.get(run):
            diff[f"clock {run}"] = (runs.get(run), again.get(run))
    return diff


@pytest.mark.parametrize("seed", [13, 2026])
def test_every_reading_of_a_random_history_comes_back_as_of_its_moment(api, any_app, travel, seed):  # noqa: F811
    history = History(api, any_app, travel, seed)
    history.run(120)
    assert len(history.claims) >= 3 and len(history.enrolments) >= 3
    states = {body["state"] for kind, _, _, _, body in history.readings if kind == "claims"}
    # the history went somewhere: into care, and past the documents
    assert "hospital_care" in states and states & {"under_review", "awaiting_documents", "approved", "paid", "closed"}
    for kind, case_id, user, moment, body in history.readings:
        again = past(api, kind, case_id, user, moment)
        assert again["allowed_triggers"] == []
        assert differences(body, again) == {}, (kind, case_id, moment)


@pytest.mark.parametrize("seed", [7])
def test_every_case_replayed_now_is_its_stored_row(api, any_app, travel, seed):  # noqa: F811
    history = History(api, any_app, travel, seed)
    history.run(50)
    for kind, ids, user in (("claims", history.claims, "demo-supervisor"),
                            ("enrolments", history.enrolments, "demo-caseworker")):
        for case_id in ids:
            stored = api.call("get", f"/{kind}/{case_id}", user=user).get_json()
            assert differences(stored, past(api, kind, case_id, user, history.now)) == {}, (kind, case_id)


def test_as_of_refuses_the_future_and_a_time_before_the_case(api, any_app, travel):  # noqa: F811
    travel(START)
    api.active(1)
    claim = api.report(1, accident_at=(START - timedelta(hours=2)).isoformat())
    travel(START + timedelta(hours=1))
    later = api.call("get", f"/claims/{claim['id']}", query_string={"as_of": "2099-01-01T00:00:00+08:00"})
    assert (later.status_code, later.get_json()["errors"]) == (422, {"query.as_of": ["must not be in the future"]})
    before = api.call("get", f"/claims/{claim['id']}", query_string={"as_of": "2026-03-01T00:00:00+08:00"})
    assert before.status_code == 404
    assert before.get_json()["detail"] == "claim 1 did not exist at 2026-03-01T00:00:00+08:00"
    naive = api.call("get", f"/claims/{claim['id']}", query_string={"as_of": "2026-03-02T09:00:00"})
    assert naive.status_code == 422 and "query.as_of" in naive.get_json()["errors"]
    elsewhere = api.call("get", f"/claims/{claim['id']}", user="demo-daya",
                         query_string={"as_of": (START + timedelta(minutes=1)).isoformat()})
    assert elsewhere.status_code == 404  # not RSUD Daya's claim: its past is no more visible than its present


def test_a_claim_walked_to_closed_comes_back_as_of_each_of_its_events(api, any_app, travel):  # noqa: F811
    travel(START)
    api.active(1)
    steps = [
        ("demo-primaya", "admit", {"hospital": "RS-PRIMAYA", "admitted_at": "2026-03-02T10:00:00+08:00",
                                   "care": "inpatient"}),
        ("demo-bpjs", "verify", {}),
        ("demo-caseworker", "refer", {"hospital": "RSUD-DAYA", "reason": "needs surgery"}),
        ("demo-daya", "update_care", {"note": "operated", "expected_discharge": "2026-03-20"}),
        ("demo-daya", "complete_treatment", {"doctor_statement_at": "2026-03-19T09:00:00+08:00",
                                             "outcome": "partial_disability_functional",
                                             "discharged_at": "2026-03-19T12:00:00+08:00", "medical_cost": 9_000_000}),
        ("demo-daya", "submit_documents", {"documents": ALL_DOCUMENTS[:6] + ["referral_letter"]}),
        ("demo-bpjs", "request_documents", {"missing": ["ktp"], "note": "unreadable"}),
        ("demo-caseworker", "submit_documents", {"documents": ["ktp"]}),
        ("demo-bpjs", "approve", {"benefits": {"medical": 9_000_000, "disability": 20_000_000}}),
        ("demo-bpjs", "pay", {"payments": [{"line": "medical", "payee": "RSUD Daya", "amount": 9_000_000,
                                            "reference": "T-1"},
                                           {"line": "disability", "payee": "Andi", "amount": 20_000_000,
                                            "reference": "T-2"}]}),
        ("demo-supervisor", "close", {}),
    ]
    claim = api.report(1, accident_at="2026-03-02T07:00:00+08:00")
    moment, seen = START, [(START, api.call("get", f"/claims/{claim['id']}", user="demo-supervisor").get_json())]
    for user, trigger, data in steps:
        moment += timedelta(days=2, hours=3)
        travel(moment)
        tick(any_app, moment)
        claim = api.act(claim, trigger, user, data)
        seen.append((moment, api.call("get", f"/claims/{claim['id']}", user="demo-supervisor").get_json()))
    assert claim["state"] == "closed" and len(seen) == 12
    for at, body in seen:
        assert differences(body, past(api, "claims", claim["id"], "demo-supervisor", at)) == {}, at
    # between two events the claim is as the earlier one left it, its clocks evaluated then
    halfway = past(api, "claims", claim["id"], "demo-supervisor", START + timedelta(days=3))
    assert (halfway["state"], halfway["version"], halfway["hospital"], halfway["verified"]) == (
        "hospital_care", 2, "RS-PRIMAYA", False)
