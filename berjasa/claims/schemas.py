import marshmallow as ma
from marshmallow import validate

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
RUPIAH = validate.Range(min=0, max=10**12)


class AwareDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time that must carry its offset (WITA is +08:00)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["invalid_awareness"] = "must include a UTC offset, e.g. 2026-03-01T09:30:00+08:00"


class ClaimCreateSchema(ma.Schema):
    nik = ma.fields.String(required=True, metadata={"example": "7371091705900001"})
    accident_at = AwareDateTime(required=True)
    place = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    accident_type = ma.fields.Enum(AccidentType, required=True)
    chronology = ma.fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    injury = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    reporter_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    reporter_phone = ma.fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9 -]{8,20}$",
                                                                              error="8-16 digits"))
    hospital = ma.fields.String(load_default=None, allow_none=True,
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
    approved_total = ma.fields.Integer(allow_none=True)
    paid_total = ma.fields.Integer(allow_none=True)
    clocks = ma.fields.List(ma.fields.Nested(ClockSchema), metadata={"description": "its SLA clocks, every run"})


class ClaimListArgs(PageArgs):
    state = ma.fields.Enum(ClaimState)
    hospital = ma.fields.String()
    kecamatan = ma.fields.String(validate=validate.OneOf(KECAMATAN_CODES))
    reported_from = ma.fields.Date()
    reported_to = ma.fields.Date()
    flag = ma.fields.String(validate=validate.OneOf(list(FLAGS)))
    q = ma.fields.String(validate=validate.Length(min=2), metadata={"description": "a NIK, or part of a name"})
    overdue = ma.fields.Boolean(metadata={"description": "true: only claims with an SLA clock past its due time"})
    due_before = ma.fields.AwareDateTime(metadata={"description": "only claims with an open clock due before this"})


ClaimPageSchema = page_schema(ClaimSchema, "ClaimPage")


# Data of the transitions.
class AdmissionSchema(ma.Schema):
    hospital = ma.fields.String(required=True)
    admitted_at = AwareDateTime(required=True)
    care = ma.fields.String(required=True, validate=validate.OneOf(["inpatient", "outpatient"]))


class ReferralSchema(ma.Schema):
    hospital = ma.fields.String(required=True, metadata={"description": "the receiving hospital"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))
    referred_at = AwareDateTime(load_default=None)


class CareUpdateSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000),
                            metadata={"example": "stable; physiotherapy started"})
    expected_discharge = ma.fields.Date(load_default=None, allow_none=True)


class TreatmentSchema(ma.Schema):
    doctor_statement_at = AwareDateTime(required=True)
    outcome = ma.fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    discharged_at = AwareDateTime(required=True)
    medical_cost = ma.fields.Integer(required=True, strict=True, validate=RUPIAH)


class DocumentsSchema(ma.Schema):
    documents = ma.fields.List(ma.fields.String(validate=validate.OneOf(DOCUMENTS)), required=True)


class DocumentRequestSchema(ma.Schema):
    missing = ma.fields.List(ma.fields.String(validate=validate.OneOf(DOCUMENTS)), required=True,
                             validate=validate.Length(min=1))
    note = ma.fields.String(load_default=None, allow_none=True)


class ApprovalSchema(ma.Schema):
    benefits = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(BENEFIT_LINES)),
                              values=ma.fields.Integer(strict=True, validate=RUPIAH), required=True,
                              validate=validate.Length(min=1))


class PaymentLineSchema(ma.Schema):
    line = ma.fields.String(required=True, validate=validate.OneOf(BENEFIT_LINES))
    payee = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    amount = ma.fields.Integer(required=True, strict=True, validate=RUPIAH)
    reference = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))


class PaymentSchema(ma.Schema):
    payments = ma.fields.List(ma.fields.Nested(PaymentLineSchema), required=True, validate=validate.Length(min=1))


class ClaimRejectionSchema(ma.Schema):
    reason_code = ma.fields.String(required=True, validate=validate.OneOf(
        ["not_work_accident", "not_covered", "claim_expired", "duplicate", "incomplete_documents", "other"]))
    note = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))
