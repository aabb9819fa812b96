import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.pagination import PageArgs, page_schema
from berjasa.registry.enums import Cohort, Sex

KECAMATAN_CODES = [f"{n:02d}" for n in range(1, 16)]


class KecamatanSchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "09"})
    full_code = ma.fields.String(metadata={"example": "73.71.09"})
    name = ma.fields.String(metadata={"example": "Panakkukang"})
    code_confirmed = ma.fields.Boolean()


PHONE = validate.Regexp(r"^\+?[0-9 -]{8,20}$", error="8-16 digits")


class ParticipantCreateSchema(ma.Schema):
    nik = f.Text(max_length=32, required=True, metadata={"example": "7371094508900001"})
    name = f.Text(min_length=1, max_length=200, required=True)
    sex = ma.fields.Enum(Sex, required=True)
    birth_date = f.Day(not_future=True, required=True, metadata={"description": "from 1900, not in the future"})
    phone = f.Text(max_length=20, load_default=None, allow_none=True, validate=PHONE)
    address = f.Text(max_length=300, load_default=None, allow_none=True)
    kecamatan = f.Text(max_length=2, required=True, validate=validate.OneOf(KECAMATAN_CODES),
                       metadata={"description": "two-digit kecamatan code, 01-15"})
    kelurahan = f.Text(max_length=100, load_default=None, allow_none=True)
    cohort = ma.fields.Enum(Cohort, required=True)
    has_disability = f.Boolean(load_default=False)
    decile = f.Integer(minimum=1, maximum=10, load_default=None, allow_none=True)
    decile_snapshot = f.Day(not_future=True, load_default=None, allow_none=True,
                            metadata={"description": "date of the DTSEN snapshot the decile comes from"})
    declared_income = f.Money(load_default=None, allow_none=True)

    @ma.validates_schema
    def _decile_has_snapshot(self, data, **_kwargs):
        if data.get("decile") is not None and data.get("decile_snapshot") is None:
            raise ma.ValidationError("required with a decile", field_name="decile_snapshot")


class ParticipantPatchSchema(ma.Schema):
    """A correction: the fields to change (at least one) and why. The NIK never changes."""

    nik = f.Text(max_length=32, metadata={"description": "refused: the NIK never changes"})
    name = f.Text(min_length=1, max_length=200)
    sex = ma.fields.Enum(Sex)
    birth_date = f.Day(not_future=True)
    phone = f.Text(max_length=20, allow_none=True, validate=PHONE)
    address = f.Text(max_length=300, allow_none=True)
    kecamatan = f.Text(max_length=2, validate=validate.OneOf(KECAMATAN_CODES))
    kelurahan = f.Text(max_length=100, allow_none=True)
    cohort = ma.fields.Enum(Cohort)
    has_disability = f.Boolean()
    decile = f.Integer(minimum=1, maximum=10, allow_none=True)
    decile_snapshot = f.Day(not_future=True, allow_none=True)
    declared_income = f.Money(allow_none=True)
    reason = f.Text(min_length=1, max_length=1000, required=True, metadata={"description": "why (kept in the audit)"})

    @ma.validates_schema
    def _decile_has_snapshot(self, data, **_kwargs):
        if data.get("decile") is not None and data.get("decile_snapshot") is None:
            raise ma.ValidationError("required with a decile", field_name="decile_snapshot")


class ParticipantSchema(ma.Schema):
    """A participant as the API shows it (built by responses.participant_response)."""

    id = ma.fields.Integer()
    nik = ma.fields.String(metadata={"description": "full for caseworkers and BPJS officers, else masked"})
    name = ma.fields.String()
    sex = ma.fields.Enum(Sex)
    birth_date = ma.fields.Date()
    phone = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    kecamatan = ma.fields.String()
    kelurahan = ma.fields.String(allow_none=True)
    cohort = ma.fields.Enum(Cohort)
    has_disability = ma.fields.Boolean()
    decile = ma.fields.Integer(allow_none=True)
    decile_snapshot = ma.fields.Date(allow_none=True)
    declared_income = ma.fields.Integer(allow_none=True)
    kpj_number = ma.fields.String(allow_none=True)
    review_flags = ma.fields.List(ma.fields.String())


class ParticipantSearchArgs(PageArgs):
    nik = f.Text(max_length=32)
    name = f.Text(min_length=2, max_length=200)
    kecamatan = f.Text(max_length=2, validate=validate.OneOf(KECAMATAN_CODES))
    cohort = ma.fields.Enum(Cohort)


ParticipantPageSchema = page_schema(ParticipantSchema, "ParticipantPage")
