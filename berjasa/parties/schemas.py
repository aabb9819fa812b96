import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.time import today_wita


class AgreementSchema(ma.Schema):
    valid_from = f.Day(earliest=f.EVENTS_FROM, required=True)
    valid_to = f.Day(earliest=f.EVENTS_FROM, allow_none=True, load_default=None,
                     metadata={"description": "inclusive; null = open"})
    reference = f.Text(max_length=100, allow_none=True, load_default=None, metadata={"example": "PKS/0042/2026"})

    @ma.validates_schema
    def _period_in_order(self, data, **_kwargs):
        if data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ma.ValidationError("must not be before valid_from", field_name="valid_to")


class HospitalCreateSchema(ma.Schema):
    code = f.Text(
        max_length=32, required=True,
        validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,31}$", error="2-32 upper-case letters, digits or '-'"),
        metadata={"example": "RS-PRIMAYA"},
    )
    name = f.Text(min_length=2, max_length=200, required=True)
    plkk_agreements = f.listing(ma.fields.Nested(AgreementSchema), max_items=100, load_default=list)


class HospitalSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    plkk_agreements = ma.fields.List(ma.fields.Nested(AgreementSchema), attribute="agreements")
    plkk_today = ma.fields.Method("_plkk_today", metadata={"description": "PLKK agreement in force today (WITA)"})

    def _plkk_today(self, hospital) -> bool:
        return hospital.plkk_valid_on(today_wita())
