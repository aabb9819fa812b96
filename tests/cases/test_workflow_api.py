from tests.cases.sample import TRIGGERS  # noqa: F401  (the sample's trigger table: its data schemas)
from tests.conftest import bearer
from workflows import registry
from workflows.sample import WORKFLOW


def test_workflows_are_listed_with_their_transitions(client, tokens, monkeypatch):
    monkeypatch.setitem(registry.WORKFLOWS, "sample", WORKFLOW)
    body = client.get("/api/v1/workflows", headers=bearer(tokens["demo-primaya"])).get_json()
    sample = next(w for w in body if w["name"] == "sample")
    assert sample["states"] == ["open", "in_review", "approved", "rejected", "closed"]
    assert sample["initial"] == "open"
    reject = next(t for t in sample["transitions"] if t["trigger"] == "reject")
    assert reject == {"trigger": "reject", "sources": ["open", "in_review"], "dest": "rejected",
                      "roles": ["bpjs_officer", "supervisor"], "guards": [], "schema": "reason",
                      "data_schema": {"type": "object", "properties": {"note": {"type": "string", "minLength": 1}},
                                      "required": ["note"], "additionalProperties": False}}


def test_each_trigger_publishes_its_data_as_a_json_schema(client, tokens):
    body = client.get("/api/v1/workflows", headers=bearer(tokens["demo-caseworker"])).get_json()
    claim = {t["trigger"]: t for t in next(w for w in body if w["name"] == "claim")["transitions"]}
    assert claim["refer"]["data_schema"] == {
        "type": "object",
        "properties": {
            "hospital": {"type": "string", "maxLength": 32, "description": "the receiving hospital's code"},
            "reason": {"type": "string", "minLength": 1, "maxLength": 1000},
            "referred_at": {"type": "string", "format": "date-time", "default": None, "nullable": True,
                            "description": "default: now"},
        },
        "required": ["hospital", "reason"], "additionalProperties": False,
    }
    assert claim["request_documents"]["data_schema"]["properties"]["missing"]["items"]["enum"] == [
        "kpj_card", "ktp", "doctor_statement", "treatment_receipts", "transport_receipts",
        "chronology_with_witnesses", "police_report", "referral_letter"]
    assert claim["reject"]["data_schema"]["required"] == ["note", "reason_code"]
    assert claim["close"]["data_schema"] is None


def test_the_diagram_is_mermaid_text(client, tokens, monkeypatch):
    monkeypatch.setitem(registry.WORKFLOWS, "sample", WORKFLOW)
    response = client.get("/api/v1/workflows/sample/diagram", headers=bearer(tokens["demo-caseworker"]))
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "stateDiagram-v2" in text and "in_review --> approved: approve" in text


def test_an_unknown_workflow_is_404(client, tokens):
    response = client.get("/api/v1/workflows/nope/diagram", headers=bearer(tokens["demo-caseworker"]))
    assert response.status_code == 404
    assert response.get_json(force=True)["detail"] == "No workflow 'nope'"


def test_workflows_need_a_token(client):
    assert client.get("/api/v1/workflows").status_code == 401
