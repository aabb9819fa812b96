import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.cases.schemas import CaseFieldsSchema
from berjasa.pagination import PageArgs, page_schema
from berjasa.registry.enums import Cohort
from berjasa.registry.schemas import KECAMATAN_CODES, ParticipantSchema
from berjasa.sla.schemas import ClockSchema
from berjasa.time import wita_iso
from workflows.enrolment import EnrolmentState

PROGRAMMES = ["jkk", "jkm", "jht"]


class EnrolmentCreateSchema(ma.Schema):
    participant_id = f.Id(required=True)
    jht = f.Boolean(load_default=False, metadata={"description": "JKK and JKM always; JHT optional (true/false)"})


class EnrolmentSchema(CaseFieldsSchema):
    """An enrolment as the API shows it (built by responses.enrolment_response)."""

    participant = ma.fields.Nested(ParticipantSchema)
    programmes = ma.fields.List(ma.fields.String())
    import_batch_id = ma.fields.Integer(allow_none=True)
    clocks = ma.fields.List(ma.fields.Nested(ClockSchema), metadata={"description": "its SLA clocks, every run"})


class EnrolmentListArgs(PageArgs):
    state = ma.fields.Enum(EnrolmentState)
    kecamatan = f.Text(max_length=2, validate=validate.OneOf(KECAMATAN_CODES))
    cohort = ma.fields.Enum(Cohort)
    import_batch = f.Id(strict=False)
    overdue = f.QueryBoolean(metadata={"description": "true: only enrolments with an SLA clock past due"})
    due_before = f.Moment(metadata={"description": "only enrolments with an open clock due before this"})


EnrolmentPageSchema = page_schema(EnrolmentSchema, "EnrolmentPage")


# Data of the transitions (triggers.py says which trigger takes which).
class RejectionSchema(ma.Schema):
    reason_code = f.Text(max_length=32, required=True, validate=validate.OneOf(
        ["ineligible", "not_resident", "invalid_nik", "duplicate", "deceased", "other"]))
    note = f.Text(min_length=1, max_length=1000, required=True)


class ActivationSchema(ma.Schema):
    kpj_number = f.Text(max_length=20, required=True, validate=validate.Regexp(r"^[0-9]{8,20}$",
                                                                                error="8-20 digits"))
    coverage_start = f.Day(earliest=f.EVENTS_FROM, required=True)
    programmes = f.listing(f.Text(max_length=8, validate=validate.OneOf(PROGRAMMES)), max_items=len(PROGRAMMES),
                           required=True, metadata={"description": "must include jkk and jkm"})


class LapseSchema(ma.Schema):
    reason = f.Text(min_length=1, max_length=200, required=True, metadata={"example": "three months of arrears"})
    effective_date = f.Day(earliest=f.EVENTS_FROM, required=True, metadata={"description": "first day without cover"})


class TerminationSchema(ma.Schema):
    reason = f.Text(max_length=32, required=True, validate=validate.OneOf(["deceased", "moved", "formal_employment",
                                                                           "other"]))
    effective_date = f.Day(earliest=f.EVENTS_FROM, required=True, metadata={"description": "first day without cover"})
    note = f.Text(max_length=1000, load_default=None, allow_none=True)


class BulkTransitionSchema(ma.Schema):
    trigger = f.Text(max_length=64, required=True)
    ids = f.listing(f.Id(), min_items=1, max_items=10_000, required=True)
    data = ma.fields.Dict(keys=f.Text(max_length=64), load_default=dict)
    reason = f.Text(max_length=2000, load_default=None, allow_none=True)


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
    on = f.Day(required=True, metadata={"description": "YYYY-MM-DD"})


class CoverageLookupSchema(ma.Schema):
    nik = f.Text(max_length=32, required=True, metadata={"description": "a valid NIK (else 422 naming nik)"})
    on = f.Day(required=True)


class CoverageSchema(ma.Schema):
    participant_id = ma.fields.Integer(allow_none=True)
    on = ma.fields.Date()
    covered = ma.fields.Boolean()
    programmes = ma.fields.List(ma.fields.String())
    period_start = ma.fields.Date(allow_none=True)
    period_end = ma.fields.Date(allow_none=True)
    enrolment_id = ma.fields.Integer(allow_none=True)


class PremiumArgs(ma.Schema):
    month = f.Text(max_length=7, required=True, validate=validate.Regexp(
        r"^(19[7-9][0-9]|20[0-9][0-9])-(0[1-9]|1[0-2])$", error="YYYY-MM, from 1970-01 to 2099-12"))


class BilledSchema(ma.Schema):
    """BPJS's invoices for the month (by the month they bill) and the city's payments against them, beside the
    city's own liability (participants, total)."""

    invoices = ma.fields.Integer(metadata={"description": "BPJS's invoices for the month"})
    invoiced_participants = ma.fields.Integer(metadata={"description": "participants the invoices bill for"})
    invoiced = ma.fields.Integer(metadata={"description": "rupiah invoiced"})
    paid = ma.fields.Integer(metadata={"description": "rupiah the city paid against these invoices (whenever)"})
    outstanding = ma.fields.Integer(metadata={"description": "rupiah left to pay: per invoice, its amount less "
                                                             "what was paid against it (never below 0)"})
    difference = ma.fields.Integer(metadata={"description": "rupiah invoiced less the liability (total): above 0, "
                                                            "BPJS bills more than the city owes by its own count"})


class PremiumLineSchema(BilledSchema):
    cohort = ma.fields.String()
    programme = ma.fields.String()
    participants = ma.fields.Integer(metadata={"description": "the city's count: covered on any day of the month"})
    total = ma.fields.Integer(metadata={"description": "rupiah the city owes by its own count (the liability)"})


class PremiumReportSchema(BilledSchema):
    month = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(PremiumLineSchema), metadata={
        "description": "per cohort and programme owed or invoiced (one invoiced but owed for no one has 0 "
                       "participants and total)"})
    participants = ma.fields.Integer()
    total = ma.fields.Integer(metadata={"description": "rupiah"})
    rates = ma.fields.Dict()


class ImportBatchSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "the kind of file: dtsen, bpjs, bpjs_invoices, city_payments"})
    filename = ma.fields.String()
    sha256 = ma.fields.String()
    status = ma.fields.String(metadata={"description": "queued, running, done"})
    lines_read = ma.fields.Integer(metadata={"description": "lines of the file read so far, the header included"})
    total = ma.fields.Integer()
    done = ma.fields.Integer()
    created = ma.fields.Integer(metadata={"description": "dtsen: rows that opened a new enrolment; bpjs: rows "
                                                         "stored; invoices, payments: new or corrected"})
    updated = ma.fields.Integer(metadata={"description": "dtsen: known people whose decile was refreshed"})
    unchanged = ma.fields.Integer(metadata={"description": "dtsen: known people with an open enrolment already; "
                                                           "invoices, payments: already recorded as they are"})
    rejected = ma.fields.Integer(metadata={"description": "rows refused; see errors.csv"})
    requested_by = ma.fields.String()
    created_at = ma.fields.Function(lambda b: wita_iso(b.created_at), metadata={"description": "WITA"})
    finished_at = ma.fields.Function(lambda b: wita_iso(b.finished_at), allow_none=True,
                                     metadata={"description": "WITA"})
    errors_url = ma.fields.Function(lambda b: f"/api/v1/enrolments/imports/{b.id}/errors.csv" if b.kind == "dtsen"
                                    else f"/api/v1/imports/batches/{b.id}/errors.csv")


ImportBatchPageSchema = page_schema(ImportBatchSchema, "ImportBatchPage")
