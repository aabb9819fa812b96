import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.cases.schemas import CaseFieldsSchema
from berjasa.claims.models import FLAGS, AccidentType
from berjasa.pagination import PageArgs, page_schema
from berjasa.registry.schemas import KECAMATAN_CODES
from berjasa.sla.schemas import ClockSchema
from workflows.claim import ClaimState

OUTCOMES = ["recovered", "partial_disability_anatomical", "partial_disability_functional",
            "total_permanent_disability", "death"]
DOCUMENTS = ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "transport_receipts",
             "chronology_with_witnesses", "police_report", "referral_letter"]
BENEFIT_LINES = ["medical", "transport", "stmb", "disability", "death", "funeral"]
PHONE = validate.Regexp(r"^\+?[0-9 -]{8,20}$", error="8-16 digits")


class ClaimCreateSchema(ma.Schema):
    nik = f.Text(max_length=32, required=True, metadata={"example": "7371091705900001"})
    accident_at = f.Moment(required=True, metadata={"description": "with its offset; not before 1970"})
    place = f.Text(min_length=1, max_length=300, required=True)
    accident_type = ma.fields.Enum(AccidentType, required=True)
    chronology = f.Text(min_length=1, max_length=10_000, required=True)
    injury = f.Text(min_length=1, max_length=500, required=True)
    reporter_name = f.Text(min_length=1, max_length=200, required=True)
    reporter_phone = f.Text(max_length=20, required=True, validate=PHONE)
    hospital = f.Text(max_length=32, load_default=None, allow_none=True,
                      metadata={"description": "hospital code, if known (hospital staff: their own)"})


class ClaimSchema(CaseFieldsSchema):
    """A claim as the API shows it (built by responses.claim_response)."""

    nik = ma.fields.String(metadata={"description": "full for hospital staff, caseworkers and BPJS officers, "
                                                   "else masked"})
    participant_id = ma.fields.Integer(allow_none=True)
    participant_name = ma.fields.String(allow_none=True)
    accident_at = ma.fields.AwareDateTime(metadata={"description": "WITA"})
    place = ma.fields.String()
    accident_type = ma.fields.Enum(AccidentType)
    chronology = ma.fields.String()
    injury = ma.fields.String()
    reporter_name = ma.fields.String()
    reporter_phone = ma.fields.String()
    reported_by = ma.fields.String()
    reporting_party = ma.fields.String()
    hospital = ma.fields.String(allow_none=True, metadata={"description": "the treating hospital's code"})
    flags = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(list(FLAGS))), values=ma.fields.Boolean())
    verified = ma.fields.Boolean()
    referred = ma.fields.Boolean()
    care = ma.fields.Dict()
    documents = ma.fields.List(ma.fields.String(), metadata={"description": "stage-II documents handed in so far"})
    missing_documents = ma.fields.List(ma.fields.String(), metadata={
        "description": "what BPJS asked for (request_documents) and has not had yet"})
    approved_total = ma.fields.Integer(allow_none=True)
    paid_total = ma.fields.Integer(allow_none=True)
    clocks = ma.fields.List(ma.fields.Nested(ClockSchema), metadata={"description": "its SLA clocks, every run"})


class ClaimListArgs(PageArgs):
    state = ma.fields.Enum(ClaimState)
    hospital = f.Text(max_length=32)
    kecamatan = f.Text(max_length=2, validate=validate.OneOf(KECAMATAN_CODES))
    reported_from = f.Day(earliest=f.EVENTS_FROM)
    reported_to = f.Day(earliest=f.EVENTS_FROM)
    flag = f.Text(max_length=32, validate=validate.OneOf(list(FLAGS)))
    q = f.Text(min_length=2, max_length=200, metadata={"description": "a NIK, or part of a name"})
    overdue = f.QueryBoolean(metadata={"description": "true: only claims with an SLA clock past its due time"})
    due_before = f.Moment(metadata={"description": "only claims with an open clock due before this"})


ClaimPageSchema = page_schema(ClaimSchema, "ClaimPage")


# Data of the transitions.
class AdmissionSchema(ma.Schema):
    hospital = f.Text(max_length=32, required=True, metadata={"description": "the admitting hospital's code"})
    admitted_at = f.Moment(required=True)
    care = f.Text(max_length=16, required=True, validate=validate.OneOf(["inpatient", "outpatient"]))


class ReferralSchema(ma.Schema):
    hospital = f.Text(max_length=32, required=True, metadata={"description": "the receiving hospital's code"})
    reason = f.Text(min_length=1, max_length=1000, required=True)
    referred_at = f.Moment(load_default=None, metadata={"description": "default: now"})


class CareUpdateSchema(ma.Schema):
    note = f.Text(min_length=1, max_length=2000, required=True, metadata={"example": "stable; physiotherapy started"})
    expected_discharge = f.Day(load_default=None, allow_none=True, earliest=f.EVENTS_FROM)


class TreatmentSchema(ma.Schema):
    doctor_statement_at = f.Moment(required=True)
    outcome = f.Text(max_length=32, required=True, validate=validate.OneOf(OUTCOMES))
    discharged_at = f.Moment(required=True)
    medical_cost = f.Money(required=True)


class DocumentsSchema(ma.Schema):
    documents = f.listing(f.Text(max_length=32, validate=validate.OneOf(DOCUMENTS)), max_items=len(DOCUMENTS) * 2,
                          required=True, metadata={
                              "description": "documents handed in now; with those handed in before they must "
                                             "complete the checklist (after request_documents: just the missing)"})


class DocumentRequestSchema(ma.Schema):
    missing = f.listing(f.Text(max_length=32, validate=validate.OneOf(DOCUMENTS)), min_items=1,
                        max_items=len(DOCUMENTS) * 2, required=True)
    note = f.Text(max_length=1000, load_default=None, allow_none=True)


class ApprovalSchema(ma.Schema):
    benefits = ma.fields.Dict(keys=f.Text(max_length=16, validate=validate.OneOf(BENEFIT_LINES)),
                              values=f.Money(), required=True, validate=validate.Length(min=1),
                              metadata={"description": "rupiah per benefit line"})


class PaymentLineSchema(ma.Schema):
    line = f.Text(max_length=16, required=True, validate=validate.OneOf(BENEFIT_LINES))
    payee = f.Text(min_length=1, max_length=200, required=True)
    amount = f.Money(required=True)
    reference = f.Text(min_length=1, max_length=100, required=True)


class PaymentSchema(ma.Schema):
    payments = f.listing(ma.fields.Nested(PaymentLineSchema), min_items=1, max_items=50, required=True)


REJECTION_CODES = ["not_work_accident", "not_covered", "claim_expired", "duplicate", "incomplete_documents", "other"]


class ClaimRejectionSchema(ma.Schema):
    reason_code = f.Text(max_length=32, required=True, validate=validate.OneOf(REJECTION_CODES))
    note = f.Text(min_length=1, max_length=1000, required=True)


class ReasonSchema(ma.Schema):
    reason = f.Text(min_length=1, max_length=1000, required=True)
