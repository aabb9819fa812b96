import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.enrolment.schemas import PROGRAMMES, PremiumArgs
from berjasa.registry.enums import Cohort

MONTH = PremiumArgs._declared_fields["month"].validators[-1]


class InvoiceSchema(ma.Schema):
    """An invoice line of BPJS as entered (and as shown, with what the city has paid of it)."""

    id = ma.fields.Integer(dump_only=True)
    reference = f.Text(min_length=1, max_length=64, required=True, metadata={"example": "INV-2026-03-RTRW-JKK"})
    month = f.Text(max_length=7, required=True, validate=MONTH, metadata={"example": "2026-03"})
    cohort = f.Text(max_length=24, required=True, validate=validate.OneOf([c.value for c in Cohort]))
    programme = f.Text(max_length=8, required=True, validate=validate.OneOf(PROGRAMMES))
    participants = f.Integer(required=True)
    amount = f.Money(required=True)
    due_on = f.Day(earliest=f.EVENTS_FROM, load_default=None, metadata={"description": "default: the 15th of "
                                                                                          "the month"})
    paid = ma.fields.Integer(dump_only=True, metadata={"description": "the city's payments against it"})
    recorded_by = ma.fields.String(dump_only=True)


class PaymentSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    reference = f.Text(min_length=1, max_length=64, required=True, metadata={"example": "SP2D-2026-0311"})
    invoice_reference = f.Text(min_length=1, max_length=64, required=True)
    paid_on = f.Day(earliest=f.EVENTS_FROM, required=True)
    amount = f.Money(required=True)
    recorded_by = ma.fields.String(dump_only=True)


class MonthArgs(ma.Schema):
    month = f.Text(max_length=7, validate=MONTH)
