import marshmallow as ma
from marshmallow import validate

from berjasa.cases.schemas import CaseFieldsSchema
from berjasa.pagination import PageArgs, page_schema
from berjasa.registry.enums import Cohort
from berjasa.registry.schemas import KECAMATAN_CODES, ParticipantSchema
from workflows.enrolment import EnrolmentState

PROGRAMMES = ["jkk", "jkm", "jht"]


class EnrolmentCreateSchema(ma.Schema):
    participant_id = ma.fields.Integer(required=True, strict=True)
    jht = ma.fields.Boolean(load_default=False, metadata={"description": "JKK and JKM always; JHT optional"})


class EnrolmentSchema(CaseFieldsSchema):
    participant = ma.fields.Nested(ParticipantSchema)
    programmes = ma.fields.List(ma.fields.String())
    import_batch_id = ma.fields.Integer(allow_none=True)


class EnrolmentListArgs(PageArgs):
    state = ma.fields.Enum(EnrolmentState)
    kecamatan = ma.fields.String(validate=validate.OneOf(KECAMATAN_CODES))
    cohort = ma.fields.Enum(Cohort)
    import_batch = ma.fields.Integer()


EnrolmentPageSchema = page_schema(EnrolmentSchema, "EnrolmentPage")


# Data of the transitions (the workflow names these schemas).
class RejectionSchema(ma.Schema):
    reason_code = ma.fields.String(required=True, validate=validate.OneOf(
        ["ineligible", "not_resident", "invalid_nik", "duplicate", "deceased", "other"]))
    note = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ActivationSchema(ma.Schema):
    kpj_number = ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9]{8,20}$", error="8-20 digits"))
    coverage_start = ma.fields.Date(required=True)
    programmes = ma.fields.List(ma.fields.String(validate=validate.OneOf(PROGRAMMES)), required=True)


class LapseSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"example": "three months of arrears"})
    effective_date = ma.fields.Date(required=True, metadata={"description": "first day without cover"})


class TerminationSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.OneOf(["deceased", "moved", "formal_employment",
                                                                      "other"]))
    effective_date = ma.fields.Date(required=True, metadata={"description": "first day without cover"})
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


DATA_SCHEMAS = {"rejection": RejectionSchema, "activation": ActivationSchema, "lapse": LapseSchema,
                "termination": TerminationSchema}


class BulkTransitionSchema(ma.Schema):
    trigger = ma.fields.String(required=True)
    ids = ma.fields.List(ma.fields.Integer(strict=True), required=True,
                         validate=validate.Length(min=1, max=10_000))
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)
    reason = ma.fields.String(load_default=None, allow_none=True)


class BulkResultSchema(ma.Schema):
    id = ma.fields.Integer()
    ok = ma.fields.Boolean()
    state = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)


class BulkReportSchema(ma.Schema):
    trigger = ma.fields.String()
    succeeded = ma.fields.Integer()
    failed = ma.fields.Integer()
    results = ma.fields.List(ma.fields.Nested(BulkResultSchema))


class CoverageArgs(ma.Schema):
    on = ma.fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})


class CoverageLookupSchema(ma.Schema):
    nik = ma.fields.String(required=True)
    on = ma.fields.Date(required=True)


class CoverageSchema(ma.Schema):
    participant_id = ma.fields.Integer(allow_none=True)
    on = ma.fields.Date()
    covered = ma.fields.Boolean()
    programmes = ma.fields.List(ma.fields.String())
    period_start = ma.fields.Date(allow_none=True)
    period_end = ma.fields.Date(allow_none=True)
    enrolment_id = ma.fields.Integer(allow_none=True)


class PremiumArgs(ma.Schema):
    month = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$",
                                                                     error="YYYY-MM"))


class PremiumLineSchema(ma.Schema):
    cohort = ma.fields.String()
    programme = ma.fields.String()
    participants = ma.fields.Integer()
    total = ma.fields.Integer(metadata={"description": "rupiah"})


class PremiumReportSchema(ma.Schema):
    month = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(PremiumLineSchema))
    participants = ma.fields.Integer()
    total = ma.fields.Integer(metadata={"description": "rupiah"})
    rates = ma.fields.Dict()


class ImportBatchSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "the kind of file: dtsen"})
    filename = ma.fields.String()
    sha256 = ma.fields.String()
    status = ma.fields.String(metadata={"description": "queued, running, done"})
    lines_read = ma.fields.Integer(metadata={"description": "lines of the file read so far, the header included"})
    total = ma.fields.Integer()
    done = ma.fields.Integer()
    created = ma.fields.Integer(metadata={"description": "rows that opened a new enrolment"})
    updated = ma.fields.Integer(metadata={"description": "known people whose decile was refreshed"})
    unchanged = ma.fields.Integer(metadata={"description": "known people with an open enrolment already"})
    rejected = ma.fields.Integer(metadata={"description": "rows refused; see errors.csv"})
    requested_by = ma.fields.String()
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    errors_url = ma.fields.Function(lambda b: f"/api/v1/enrolments/imports/{b.id}/errors.csv")
