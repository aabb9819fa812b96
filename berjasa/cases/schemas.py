"""Schemas the case domains reuse: the transition request, the history, the workflow description."""

import marshmallow as ma

from berjasa import fields as f
from berjasa.time import WITA


class TransitionRequestSchema(ma.Schema):
    trigger = f.Text(max_length=64, required=True, metadata={"example": "verify"})
    expected_version = f.Integer(minimum=1, required=True)
    data = ma.fields.Dict(keys=f.Text(max_length=64), load_default=dict,
                          metadata={"description": "per trigger: see GET /api/v1/workflows (each trigger's "
                                                   "data_schema)"})
    reason = f.Text(max_length=2000, load_default=None, allow_none=True)


class AsOfArgs(ma.Schema):
    as_of = f.Moment(metadata={"description": "the case as it stood at this time (with its offset, e.g. "
                                              "2026-03-05T12:00:00+08:00), rebuilt from its audit log"})


class CaseEventSchema(ma.Schema):
    seq = ma.fields.Integer()
    trigger = ma.fields.String()
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String()
    actor = ma.fields.String()
    role = ma.fields.String()
    party = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
    at = ma.fields.Function(lambda e: e.created_at.astimezone(WITA).isoformat(), metadata={"description": "WITA"})
    hash = ma.fields.String()


class TimelineEntrySchema(ma.Schema):
    at = ma.fields.AwareDateTime(metadata={"description": "WITA"})
    kind = ma.fields.String(metadata={"description": "transition, clock_started, clock_warned, clock_breached, "
                                                     "clock_escalated, clock_met, clock_cancelled, breach_justified, "
                                                     "notification_sent, discrepancy_opened, "
                                                     "discrepancy_acknowledged, discrepancy_resolved, "
                                                     "discrepancy_dismissed, discrepancy_reopened"})
    detail = ma.fields.Dict(metadata={"description": (
        "per kind: a transition's seq, trigger, states, actor, role, party, reason and data; a clock's id, policy, "
        "run, party, hospital, due time (and lateness when met); a justification's code, note and who; a "
        "notification's rule, recipient and message; a discrepancy's id, check, party (the hospital's code when a "
        "hospital must act), hospital, subject (type, key, link), states, actor, role and reason (a claim's: those "
        "about the claim; an enrolment's: those about it, its participant or the participant's NIK; hospital staff "
        "see those attributed to their hospital)")})


class TimelineSchema(ma.Schema):
    case_type = ma.fields.String()
    case_id = ma.fields.Integer()
    entries = ma.fields.List(ma.fields.Nested(TimelineEntrySchema), metadata={"description": "oldest first"})


class CaseFieldsSchema(ma.Schema):
    """Fields every case response carries; domain schemas extend it. These schemas document the responses,
    which each case type builds in one function (claims/responses.py, enrolment/responses.py)."""

    id = ma.fields.Integer()
    state = ma.fields.String()
    version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime(metadata={"description": "WITA"})
    updated_at = ma.fields.AwareDateTime(metadata={"description": "WITA"})
    allowed_triggers = ma.fields.List(ma.fields.String(), metadata={"description": "what the caller can fire now"})


class WorkflowTransitionSchema(ma.Schema):
    trigger = ma.fields.String()
    sources = ma.fields.List(ma.fields.String())
    dest = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    guards = ma.fields.List(ma.fields.String())
    schema = ma.fields.String(allow_none=True, metadata={"description": "the name of the data schema; null = no data"})
    data_schema = ma.fields.Dict(allow_none=True, metadata={
        "description": "the trigger's `data` as a JSON Schema (fields, types, bounds, required); null = no data"})


class WorkflowSchema(ma.Schema):
    name = ma.fields.String()
    description = ma.fields.String()
    states = ma.fields.List(ma.fields.String())
    initial = ma.fields.String()
    transitions = ma.fields.List(ma.fields.Nested(WorkflowTransitionSchema))
