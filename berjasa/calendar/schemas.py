from datetime import date

import marshmallow as ma

from berjasa import fields as f
from workflows.calendar import DayKind


class YearArgs(ma.Schema):
    year = f.Integer(minimum=2000, maximum=2100, strict=False, required=True)


class OverrideCreateSchema(ma.Schema):
    day = f.Day(required=True, earliest=date(2000, 1, 1))
    kind = ma.fields.Enum(DayKind, by_value=True, required=True, metadata={
        "description": "holiday, cuti_bersama, or working_day (a weekday declared working)"})
    name = f.Text(min_length=1, max_length=200, required=True, metadata={"example": "Hari Jadi Kota Makassar"})
    source = f.Text(min_length=1, max_length=200, required=True,
                    metadata={"example": "SK Wali Kota Makassar No. 100/2026"})


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
