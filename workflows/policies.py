"""The SLA policies in force by default, from the regulation's clocks (DOMAIN.md, "Work-accident claim (JKK)
process"). Every duration, warning and escalation can be changed by configuration (`with_overrides`); the
UNCONFIRMED ones are meant to be."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from workflows.sla import Duration, Policy, Start

D = Duration.parse

DEFAULT_POLICIES: tuple[Policy, ...] = (
    Policy("claim.stage1_report", "claim", (Start("created", at="accident_at"),), frozenset({"created"}),
           D("48h"), "disnaker", "Permenaker 1/2025 Art. 8: stage-I report within 2x24 jam of the accident",
           warn_before=D("12h"), escalate_after=D("3wd"),
           description="The city reports the accident (stage I) for the city-funded worker."),
    Policy("claim.bpjs_decision", "claim", (Start("created"), Start("reopen")), frozenset({"verify", "reject"}),
           D("30d"), "bpjs", "Permenaker 5/2021: BPJS decides within 30 days of the stage-I report",
           warn_before=D("5d"), escalate_after=D("3wd"),
           description="BPJS decides whether it is a work accident (verify or reject)."),
    Policy("claim.stage2_report", "claim", (Start("complete_treatment", at="data.doctor_statement_at"),),
           frozenset({"submit_documents"}), D("48h"), "hospital",
           "Permenaker 5/2021 Art. 19: stage-II report within 2x24 jam of the doctor's statement",
           warn_before=D("12h"), escalate_after=D("3wd"),
           description="The treating hospital submits the stage-II documents."),
    Policy("claim.documents_requested", "claim", (Start("request_documents"),), frozenset({"submit_documents"}),
           D("14wd"), "disnaker", "Permenaker 5/2021 Art. 18(2): information within 14 working days of the request",
           warn_before=D("3wd"), escalate_after=D("3wd"),
           description="The city sends what BPJS asked for."),
    Policy("claim.payment", "claim", (Start("submit_documents"),), frozenset({"pay"}), D("7d"), "bpjs",
           "UNCONFIRMED: 'at most 7 days' (press) or '7 working days' (branch page) after complete documents",
           warn_before=D("2d"), escalate_after=D("3wd"), paused_in=frozenset({"awaiting_documents"}),
           description="BPJS pays once the documents are complete; stands still while documents are awaited."),
    Policy("claim.expiry", "claim", (Start("created", at="accident_at"), Start("reopen", at="accident_at")),
           frozenset({"pay", "reject", "withdraw"}), D("5y"), "disnaker",
           "PP 82/2019 Art. 26: a claim expires 5 years after the accident",
           warn_before=D("90d"), escalate_after=D("3wd"),
           description="The claim is settled before it expires."),
    Policy("claim.hospital_update", "claim", (Start("admit"),), frozenset({"complete_treatment"}), D("7d"),
           "hospital", "Berjasa policy: the treating hospital updates the case at least weekly while in care",
           warn_before=D("1d"), escalate_after=D("3wd"), restarts_on=frozenset({"refer", "update_care"}),
           description="Each admission, referral or care update starts the next week."),
    Policy("enrolment.verification", "enrolment", (Start("created"),), frozenset({"verify", "reject"}), D("5wd"),
           "disnaker", "Berjasa policy: a caseworker verifies or rejects a submitted enrolment",
           warn_before=D("1wd"), escalate_after=D("3wd"),
           description="Disnaker verifies the registration (NIK, eligibility, duplicates)."),
    Policy("enrolment.activation", "enrolment", (Start("send_to_bpjs"), Start("reactivate")),
           frozenset({"activate"}), D("14wd"), "bpjs", "Berjasa policy: BPJS activates a membership the city sent",
           warn_before=D("3wd"), escalate_after=D("3wd"),
           description="BPJS registers the worker and confirms the programmes."),
    Policy("discrepancy.resolution", "discrepancy", (Start("created"), Start("reopen")),
           frozenset({"resolve", "dismiss"}), D("10wd"), "case",
           "Berjasa policy: the responsible party sets a cross-check's finding right (or dismisses it)",
           warn_before=D("2wd"), escalate_after=D("3wd"),
           description="The party a discrepancy names resolves it, or it is resolved by the data."),
)

SETTINGS = ("duration", "warn_before", "escalate_after")


def with_overrides(policies: Iterable[Policy], overrides: Mapping[str, Mapping[str, object]]) -> list[Policy]:
    """The policies with durations changed as `overrides` say ({"claim.payment": {"duration": "7wd"}}); a value
    "none" removes a warning or escalation; `enabled = false` leaves a policy out (a city that does not use it).
    Raises ValueError naming an unknown policy, setting or value."""
    policies = list(policies)
    known = {p.name for p in policies}
    for name, settings in overrides.items():
        if name not in known:
            raise ValueError(f"unknown SLA policy {name!r} (known: {', '.join(sorted(known))})")
        for key in settings:
            if key not in (*SETTINGS, "cuti_bersama_off", "enabled"):
                raise ValueError(f"{name}: unknown setting {key!r} (one of {', '.join(SETTINGS)}, "
                                 f"cuti_bersama_off, enabled)")
        if not isinstance(settings.get("enabled", True), bool):
            raise ValueError(f"{name}.enabled: true or false")
    return [_overridden(p, overrides.get(p.name, {})) for p in policies
            if overrides.get(p.name, {}).get("enabled", True)]


def _overridden(policy: Policy, settings: Mapping[str, object]) -> Policy:
    changes: dict[str, object] = {}
    for key in SETTINGS:
        if key in settings:
            value = str(settings[key])
            if key == "duration" and value == "none":
                raise ValueError(f"{policy.name}: duration cannot be none")
            try:
                changes[key] = None if value == "none" else Duration.parse(value)
            except ValueError as exc:
                raise ValueError(f"{policy.name}.{key}: {exc}") from None
    if "cuti_bersama_off" in settings:
        if not isinstance(settings["cuti_bersama_off"], bool):
            raise ValueError(f"{policy.name}.cuti_bersama_off: true or false")
        changes["cuti_bersama_off"] = settings["cuti_bersama_off"]
    return replace(policy, **changes) if changes else policy
