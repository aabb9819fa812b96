import marshmallow as ma
from marshmallow import validate

from workflows.calendar import DayKind


class YearArgs(ma.Schema):
    year = ma.fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class OverrideCreateSchema(ma.Schema):
    day = ma.fields.Date(required=True)
    kind = ma.fields.Enum(DayKind, by_value=True, required=True, metadata={
        "description": "holiday, cuti_bersama, or working_day (a weekday declared working)"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"example": "Hari Jadi Kota Makassar"})
    source = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"example": "SK Wali Kota Makassar No. 100/2026"})

    @ma.validates("day")
    def _plausible(self, value, **_kwargs):
        if not 2000 <= value.year <= 2100:
            raise ma.ValidationError("must be between 2000 and 2100")


class OverrideSchema(ma.Schema):
    id = ma.fields.Integer()
    day = ma.fields.Date()
    kind = ma.fields.String()
    name = ma.fields.String()
    source = ma.fields.String()
    entered_by = ma.fields.String()
    clocks_moved = ma.fields.Integer(metadata={"description": "clocks whose due times this change moved"})


class DayOffSchema(ma.Schema):
    day = ma.fields.Date()
    weekday = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "holiday or cuti_bersama"})
    source = ma.fields.String()
    override = ma.fields.Boolean(metadata={"description": "set by the city, not by the national decree"})


class WorkingDaySchema(ma.Schema):
    day = ma.fields.Date()
    name = ma.fields.String()
    source = ma.fields.String()


class YearSchema(ma.Schema):
    year = ma.fields.Integer()
    version = ma.fields.Integer(metadata={"description": "bumped by every change of the overrides"})
    days_off = ma.fields.List(ma.fields.Nested(DayOffSchema))
    working_days = ma.fields.List(ma.fields.Nested(WorkingDaySchema),
                                  metadata={"description": "weekdays declared working by an override"})
