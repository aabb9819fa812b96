import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.pagination import PageArgs, page_schema
from berjasa.registry.schemas import KECAMATAN_CODES

PARTIES = ["disnaker", "bpjs", "hospital"]
CLOCK_STATES = ["running", "paused", "breached", "met", "cancelled"]
JUSTIFICATIONS = ["force_majeure", "system_outage", "awaiting_other_party", "holiday_not_in_calendar",
                  "data_correction", "other"]


class ClockSchema(ma.Schema):
    """A run of an SLA policy on a case (times in WITA)."""

    id = ma.fields.Integer()
    policy = ma.fields.String(metadata={"example": "claim.bpjs_decision"})
    run = ma.fields.Integer()
    party = ma.fields.String(validate=validate.OneOf(PARTIES))
    hospital = ma.fields.String(allow_none=True)
    state = ma.fields.String(validate=validate.OneOf(CLOCK_STATES))
    started_at = ma.fields.AwareDateTime()
    due_at = ma.fields.AwareDateTime(allow_none=True)
    warn_at = ma.fields.AwareDateTime(allow_none=True)
    stopped_at = ma.fields.AwareDateTime(allow_none=True)
    remaining_seconds = ma.fields.Integer(allow_none=True, metadata={"description": "while running, before due"})
    late_seconds = ma.fields.Integer(allow_none=True, metadata={"description": "past due (met late: by how much)"})
    source = ma.fields.String(allow_none=True, metadata={"description": "the legal source of the policy"})


class WorklistClockSchema(ClockSchema):
    case_type = ma.fields.String()
    case_id = ma.fields.Integer()
    kecamatan = ma.fields.String(allow_none=True)


class ClockListArgs(PageArgs):
    state = f.Text(max_length=16, validate=validate.OneOf(CLOCK_STATES))
    policy = f.Text(max_length=64)
    party = f.Text(max_length=16, validate=validate.OneOf(PARTIES))
    hospital = f.Text(max_length=32)
    kecamatan = f.Text(max_length=2, validate=validate.OneOf(KECAMATAN_CODES))
    due_before = f.Moment()
    overdue = f.QueryBoolean()


ClockPageSchema = page_schema(WorklistClockSchema, "ClockPage")


class JustificationSchema(ma.Schema):
    code = f.Text(max_length=32, required=True, validate=validate.OneOf(JUSTIFICATIONS))
    note = f.Text(min_length=1, max_length=2000, required=True)


class JustificationShownSchema(ma.Schema):
    code = ma.fields.String()
    note = ma.fields.String()
    by = ma.fields.String()
    at = ma.fields.AwareDateTime()


class BreachSchema(ma.Schema):
    id = ma.fields.Integer()
    clock_id = ma.fields.Integer()
    case_type = ma.fields.String()
    case_id = ma.fields.Integer()
    policy = ma.fields.String()
    party = ma.fields.String(validate=validate.OneOf(PARTIES))
    hospital = ma.fields.String(allow_none=True)
    kecamatan = ma.fields.String(allow_none=True)
    due_at = ma.fields.AwareDateTime()
    breached_at = ma.fields.AwareDateTime()
    recorded_at = ma.fields.AwareDateTime()
    met_at = ma.fields.AwareDateTime(allow_none=True)
    late_seconds = ma.fields.Integer(allow_none=True, metadata={"description": "when met late: by how much"})
    escalated_at = ma.fields.AwareDateTime(allow_none=True)
    justified = ma.fields.Boolean()
    justification = ma.fields.Nested(JustificationShownSchema, allow_none=True)


class BreachListArgs(PageArgs):
    policy = f.Text(max_length=64)
    party = f.Text(max_length=16, validate=validate.OneOf(PARTIES))
    hospital = f.Text(max_length=32)
    kecamatan = f.Text(max_length=2, validate=validate.OneOf(KECAMATAN_CODES))
    justified = f.QueryBoolean()
    from_ = f.Day(data_key="from", earliest=f.EVENTS_FROM, metadata={"description": "breached on or after (WITA)"})
    to = f.Day(earliest=f.EVENTS_FROM, metadata={"description": "breached on or before (WITA date)"})


BreachPageSchema = page_schema(BreachSchema, "BreachPage")


class PolicySchema(ma.Schema):
    name = ma.fields.String()
    case_type = ma.fields.String()
    description = ma.fields.String()
    starts = ma.fields.List(ma.fields.String(), metadata={"description": "trigger (from which instant)"})
    stops = ma.fields.List(ma.fields.String())
    paused_in = ma.fields.List(ma.fields.String())
    restarts_on = ma.fields.List(ma.fields.String())
    duration = ma.fields.String(metadata={"example": "30d"})
    warn_before = ma.fields.String(allow_none=True)
    escalate_after = ma.fields.String(allow_none=True)
    cuti_bersama_off = ma.fields.Boolean()
    party = ma.fields.String()
    source = ma.fields.String()
