import marshmallow as ma

from berjasa.pagination import PageArgs, page_schema


class BreakSchema(ma.Schema):
    event_id = ma.fields.Integer(allow_none=True, metadata={"description": "null when the case has no events"})
    case_type = ma.fields.String()
    case_id = ma.fields.Integer()
    seq = ma.fields.Integer()
    problem = ma.fields.String()


class AuditVerificationSchema(ma.Schema):
    """A run of the audit check (built by views.verification_response)."""

    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "queued, running, done"})
    requested_by = ma.fields.String()
    created_at = ma.fields.String(metadata={"description": "WITA"})
    started_at = ma.fields.String(allow_none=True, metadata={"description": "WITA"})
    finished_at = ma.fields.String(allow_none=True, metadata={"description": "WITA"})
    intact = ma.fields.Boolean(allow_none=True, metadata={"description": "null until done"})
    events = ma.fields.Integer(allow_none=True)
    cases = ma.fields.Integer(allow_none=True)
    broken_cases = ma.fields.Integer(allow_none=True)
    first_break = ma.fields.Nested(BreakSchema, allow_none=True, metadata={"description": "the first broken case"})


AuditVerificationPageSchema = page_schema(AuditVerificationSchema, "AuditVerificationPage")
AuditListArgs = PageArgs
