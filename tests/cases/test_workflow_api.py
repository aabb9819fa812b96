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
                      "roles": ["bpjs_officer", "supervisor"], "guards": [], "schema": "reason"}


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
