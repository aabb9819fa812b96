"""What the API shows: each response as its documented schema says, and what the caller can fire now."""

import marshmallow as ma
import pytest

from berjasa.claims.schemas import ClaimPageSchema, ClaimSchema
from berjasa.enrolment.schemas import EnrolmentPageSchema, EnrolmentSchema
from berjasa.registry.schemas import ParticipantPageSchema, ParticipantSchema
from tests.claims.helpers import DOCS, ClaimsApi


@pytest.fixture
def api(client, tokens):
    return ClaimsApi(client, tokens)


def conforms(schema: ma.Schema, body) -> None:
    """The body loads with the documented schema, no field missing or unknown."""
    errors = schema.validate(body)
    assert errors == {}
    documented = set(schema.fields)
    assert set(body if isinstance(body, dict) else body[0]) == documented


def test_claim_enrolment_and_participant_responses_are_as_documented(api):
    enrolment = api.active(1)
    conforms(EnrolmentSchema(), enrolment)
    conforms(ParticipantSchema(), enrolment["participant"])
    claim = api.admit(api.report(1))
    conforms(ClaimSchema(), claim)
    page = api.call("get", "/claims", user="demo-supervisor").get_json()
    assert ClaimPageSchema().validate(page) == {} and page["total"] == 1
    conforms(ClaimSchema(), page["items"][0])
    assert EnrolmentPageSchema().validate(api.call("get", "/enrolments").get_json()) == {}
    assert ParticipantPageSchema().validate(api.call("get", "/participants").get_json()) == {}


def test_after_a_referral_the_referring_hospital_can_fire_nothing(api):
    api.active(2)
    claim = api.act(api.admit(api.report(2)), "verify", "demo-bpjs")
    assert api.call("get", f"/claims/{claim['id']}", user="demo-primaya").get_json()["allowed_triggers"] == [
        "complete_treatment", "refer", "update_care"]
    claim = api.act(claim, "refer", "demo-primaya", {"hospital": "RSUD-DAYA", "reason": "needs neurosurgery"})
    assert claim["allowed_triggers"] == []  # the referring hospital's own response
    shown = {user: api.call("get", f"/claims/{claim['id']}", user=user).get_json()["allowed_triggers"]
             for user in ("demo-primaya", "demo-daya", "demo-caseworker", "demo-bpjs")}
    assert shown == {"demo-primaya": [], "demo-daya": ["complete_treatment", "refer", "update_care"],
                     "demo-caseworker": ["complete_treatment", "refer", "update_care"], "demo-bpjs": ["reject"]}


def test_a_verified_claim_in_care_does_not_offer_verify_again(api):
    api.active(3)
    claim = api.admit(api.report(3))
    assert api.call("get", f"/claims/{claim['id']}", user="demo-bpjs").get_json()["allowed_triggers"] == [
        "reject", "verify"]
    claim = api.act(claim, "verify", "demo-bpjs")
    assert claim["allowed_triggers"] == ["reject"]
    claim = api.act(api.complete(claim), "submit_documents", "demo-primaya", {"documents": DOCS})
    assert claim["allowed_triggers"] == []  # the hospital's work is done: BPJS reviews now
