"""Who sees which clocks and breaches; the policies in force and their configuration."""

import pytest

from berjasa.config import ConfigError
from tests.conftest import make_app
from tests.sla.conftest import tick, wita


def test_hospitals_see_their_claims_clocks_and_their_own_breaches(api, travel, any_app):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    api.active(2)
    travel(wita(2026, 7, 1, 8, 0))
    primaya = api.admit(api.report(1, accident_at="2026-07-01T07:00:00+08:00"))
    daya = api.report(2, user="demo-daya", accident_at="2026-07-01T07:00:00+08:00")
    daya = api.admit(daya, user="demo-daya", hospital="RSUD-DAYA")
    travel(wita(2026, 7, 9, 9, 0))
    tick(any_app, wita(2026, 7, 9, 9, 0))  # both weekly hospital updates breached (due 8 Jul)

    def clocks(user, query=""):
        page = api.call("get", f"/sla/clocks?{query}", user=user).get_json()
        return sorted((c["case_id"], c["policy"]) for c in page["items"])

    assert {case for case, _ in clocks("demo-primaya")} == {primaya["id"]}
    assert {case for case, _ in clocks("demo-daya")} == {daya["id"]}
    assert {case for case, _ in clocks("demo-caseworker")} == {primaya["id"], daya["id"]}
    assert clocks("demo-caseworker", "hospital=RSUD-DAYA") == [(daya["id"], "claim.hospital_update")]
    assert clocks("demo-bpjs", "party=bpjs&state=running") == [(primaya["id"], "claim.bpjs_decision"),
                                                              (daya["id"], "claim.bpjs_decision")]

    def breaches(user):
        return sorted((b["case_id"], b["hospital"]) for b in
                      api.call("get", "/sla/breaches", user=user).get_json()["items"])

    assert breaches("demo-primaya") == [(primaya["id"], "RS-PRIMAYA")]
    assert breaches("demo-daya") == [(daya["id"], "RSUD-DAYA")]
    assert breaches("demo-bpjs") == []
    assert breaches("demo-supervisor") == sorted([(primaya["id"], "RS-PRIMAYA"), (daya["id"], "RSUD-DAYA")])
    other = api.call("get", "/sla/breaches", user="demo-supervisor").get_json()["items"]
    foreign = next(b["id"] for b in other if b["hospital"] == "RSUD-DAYA")
    assert api.call("get", f"/sla/breaches/{foreign}", user="demo-primaya").status_code == 404
    assert api.call("get", f"/sla/breaches/{foreign}", user="demo-daya").status_code == 200


def test_the_policies_in_force_with_their_sources(api):
    policies = {p["name"]: p for p in api.call("get", "/sla/policies", user="demo-primaya").get_json()}
    assert sorted(policies) == ["claim.bpjs_decision", "claim.documents_requested", "claim.expiry",
                                "claim.hospital_update", "claim.payment", "claim.stage1_report", "claim.stage2_report",
                                "discrepancy.resolution", "enrolment.activation", "enrolment.verification"]
    resolution = policies["discrepancy.resolution"]
    assert (resolution["duration"], resolution["party"], resolution["starts"]) == ("10wd", "case",
                                                                                  ["created", "reopen"])
    payment = policies["claim.payment"]
    assert (payment["duration"], payment["paused_in"], payment["party"]) == ("7d", ["awaiting_documents"], "bpjs")
    assert payment["source"].startswith("UNCONFIRMED")
    assert policies["claim.stage1_report"]["starts"] == ["created (from accident_at)"]


def test_policies_are_shortened_by_a_toml_file(tmp_path, sqlite_template):
    import shutil

    shutil.copy(sqlite_template, tmp_path / "berjasa.db")
    path = tmp_path / "policies.toml"
    path.write_text('[claim.bpjs_decision]\nduration = "2m"\nwarn_before = "1m"\nescalate_after = "none"\n'
                    '[claim.payment]\nduration = "7wd"\n')
    app = make_app(tmp_path, f"sqlite:///{tmp_path}/berjasa.db", SLA_POLICIES=str(path))
    from berjasa.sla.policies import in_force

    with app.app_context():
        policies = {p.name: p for p in in_force()}
    assert (str(policies["claim.bpjs_decision"].duration), str(policies["claim.bpjs_decision"].warn_before),
            policies["claim.bpjs_decision"].escalate_after, str(policies["claim.payment"].duration)) == (
        "2m", "1m", None, "7wd")
    path.write_text('[claim.bpjs_decision]\nduration = "soon"\n')
    with pytest.raises(ConfigError, match="BERJASA_SLA_POLICIES: .*claim.bpjs_decision.duration: 'soon'"):
        make_app(tmp_path, f"sqlite:///{tmp_path}/berjasa.db", SLA_POLICIES=str(path))
