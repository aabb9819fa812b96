import marshmallow as ma
from marshmallow import validate

from berjasa.pagination import PageArgs, page_schema
from berjasa.registry.enums import Cohort, Sex

KECAMATAN_CODES = [f"{n:02d}" for n in range(1, 16)]


class KecamatanSchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "09"})
    full_code = ma.fields.String(metadata={"example": "73.71.09"})
    name = ma.fields.String(metadata={"example": "Panakkukang"})
    code_confirmed = ma.fields.Boolean()


class ParticipantCreateSchema(ma.Schema):
    nik = ma.fields.String(required=True, metadata={"example": "7371094508900001"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    sex = ma.fields.Enum(Sex, required=True)
    birth_date = ma.fields.Date(required=True)
    phone = ma.fields.String(load_default=None, allow_none=True,
                             validate=validate.Regexp(r"^\+?[0-9 -]{8,20}$", error="8-16 digits"))
    address = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    kecamatan = ma.fields.String(required=True, validate=validate.OneOf(KECAMATAN_CODES),
                                 metadata={"description": "two-digit kecamatan code, 01-15"})
    kelurahan = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    cohort = ma.fields.Enum(Cohort, required=True)
    has_disability = ma.fields.Boolean(load_default=False)
    decile = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10))
    decile_snapshot = ma.fields.Date(load_default=None, allow_none=True,
                                     metadata={"description": "date of the DTSEN snapshot the decile comes from"})
    declared_income = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))

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
    nik = ma.fields.String()
    name = ma.fields.String(validate=validate.Length(min=2))
    kecamatan = ma.fields.String(validate=validate.OneOf(KECAMATAN_CODES))
    cohort = ma.fields.Enum(Cohort)


ParticipantPageSchema = page_schema(ParticipantSchema, "ParticipantPage")
