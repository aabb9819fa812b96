"""The reports' query arguments and the shapes of their answers (built by the report functions; these document them)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.reports.periods import INTERVALS
from berjasa.reports.sla import GROUPS

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
#: A period report covers at most this many months.
MAX_MONTHS = 120


class Month(ma.fields.Field):
    """A month, `YYYY-MM`; a day `YYYY-MM-DD` stands for its month. Loaded as the month's first day."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        match = _MONTH.match(value) if isinstance(value, str) else None
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)) if match else None
        except ValueError:
            day = None
        if day is None:
            raise ma.ValidationError("a month, YYYY-MM (or a day, YYYY-MM-DD, for its month)")
        if not f.EVENTS_FROM <= day <= date(2099, 12, 31):
            raise ma.ValidationError("must be from 1970-01 to 2099-12")
        return day.replace(day=1)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{value:%Y-%m}"


class _Months(ma.Schema):
    from_ = Month(data_key="from", metadata={"description": "first month, YYYY-MM (default: 11 months before `to`)"})
    to = Month(metadata={"description": "last month, YYYY-MM (default: this month, WITA)"})

    @ma.validates_schema
    def _in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first and last and first > last:
            raise ma.ValidationError("must not be after `to`", "from")
        if first and last and (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
            raise ma.ValidationError(f"at most {MAX_MONTHS} months before `to`", "from")


class ScorecardArgs(_Months):
    group_by = f.Text(max_length=16, load_default="party", validate=validate.OneOf(GROUPS))
    interval = f.Text(max_length=8, load_default="month", validate=validate.OneOf(INTERVALS))


class ClaimReportArgs(_Months):
    pass


class CoverageArgs(ma.Schema):
    on = f.Day(earliest=f.EVENTS_FROM, metadata={"description": "the day (WITA); default today"})


class MonthlyArgs(ma.Schema):
    month = Month(required=True, metadata={"description": "YYYY-MM"})


# ---------------------------------------------------------------- answers
class ScorecardFiguresSchema(ma.Schema):
    started = ma.fields.Integer(metadata={"description": "clocks that started (by start month)"})
    met_on_time = ma.fields.Integer(metadata={"description": "met before their due time (by stop month)"})
    met_late = ma.fields.Integer(metadata={"description": "met after their due time (by stop month)"})
    cancelled = ma.fields.Integer(metadata={"description": "cancelled before breaching: the case ended; not judged"})
    cancelled_late = ma.fields.Integer(metadata={"description": "cancelled after breaching: counted as closed late"})
    closed = ma.fields.Integer(metadata={"description": "met_on_time + met_late + cancelled_late"})
    breached = ma.fields.Integer(metadata={"description": "breaches (by breach month, i.e. due time)"})
    breached_open = ma.fields.Integer(metadata={"description": "of those breaches, clocks still open now"})
    justified = ma.fields.Integer(metadata={"description": "of those breaches, justified by a supervisor"})
    compliance_pct = ma.fields.Float(allow_none=True, metadata={"description": "met_on_time / closed, %"})
    used_median_pct = ma.fields.Float(allow_none=True, metadata={
        "description": "median time used by met clocks, % of the target (to the nearest 5; 25 above 200)"})
    used_p90_pct = ma.fields.Float(allow_none=True, metadata={"description": "p90 of the same"})


class ScorecardPeriodSchema(ScorecardFiguresSchema):
    period = ma.fields.String(metadata={"example": "2026-Q2"})
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()


class TrendSchema(ma.Schema):
    month = ma.fields.String(metadata={"example": "2026-05"})
    started = ma.fields.Integer()
    closed = ma.fields.Integer()
    met_on_time = ma.fields.Integer()
    breached = ma.fields.Integer()
    compliance_pct = ma.fields.Float(allow_none=True)


class ScorecardGroupSchema(ma.Schema):
    group = ma.fields.Raw(allow_none=True, metadata={
        "description": "party (disnaker, bpjs, hospital), hospital code, kecamatan code or policy; null: unknown"})
    name = ma.fields.String(allow_none=True)
    overdue_now = ma.fields.Integer(metadata={"description": "open clocks past their due time now"})
    total = ma.fields.Nested(ScorecardFiguresSchema, metadata={"description": "the whole range"})
    periods = ma.fields.List(ma.fields.Nested(ScorecardPeriodSchema))
    trend = ma.fields.List(ma.fields.Nested(TrendSchema), metadata={"description": "the 12 months up to `to`"})


class ScorecardSchema(ma.Schema):
    group_by = ma.fields.String()
    interval = ma.fields.String()
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()
    generated_at = ma.fields.AwareDateTime()
    groups = ma.fields.List(ma.fields.Nested(ScorecardGroupSchema))


class DurationSchema(ma.Schema):
    claims = ma.fields.Integer()
    median_days = ma.fields.Float(allow_none=True)
    p90_days = ma.fields.Float(allow_none=True)


class DurationsSchema(ma.Schema):
    accident_to_report = ma.fields.Nested(DurationSchema)
    report_to_decision = ma.fields.Nested(DurationSchema)
    documents_to_payment = ma.fields.Nested(DurationSchema)


class ClaimGroupSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    claims = ma.fields.Integer(metadata={"description": "reported in the range"})
    decided = ma.fields.Integer(metadata={"description": "first decisions made in the range"})
    paid = ma.fields.Integer()
    paid_amount = ma.fields.Integer()
    durations = ma.fields.Nested(DurationsSchema)


class ClaimKecamatanSchema(ClaimGroupSchema):
    kecamatan = ma.fields.String(allow_none=True)


class ClaimHospitalSchema(ClaimGroupSchema):
    hospital = ma.fields.String(allow_none=True)


class ClaimReportSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()
    generated_at = ma.fields.AwareDateTime()
    reported = ma.fields.Integer()
    by_state = ma.fields.List(ma.fields.Dict())
    by_accident_type = ma.fields.List(ma.fields.Dict())
    by_kecamatan = ma.fields.List(ma.fields.Nested(ClaimKecamatanSchema))
    by_hospital = ma.fields.List(ma.fields.Nested(ClaimHospitalSchema))
    decisions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    paid = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    benefits = ma.fields.List(ma.fields.Dict())
    durations = ma.fields.Nested(DurationsSchema)


class UcjLineSchema(ma.Schema):
    kecamatan = ma.fields.String()
    name = ma.fields.String()
    active = ma.fields.Integer(metadata={"description": "participants the programme covers that day"})
    covered_elsewhere = ma.fields.Integer()
    working_population = ma.fields.Integer(allow_none=True)
    ucj_pct = ma.fields.Float(allow_none=True)


class UcjSchema(ma.Schema):
    active = ma.fields.Integer()
    active_by_cohort = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    city = ma.fields.Dict()
    target = ma.fields.Dict(allow_none=True)
    targets = ma.fields.List(ma.fields.Dict())
    kecamatan = ma.fields.List(ma.fields.Nested(UcjLineSchema))


class FunnelStageSchema(ma.Schema):
    stage = ma.fields.String()
    now = ma.fields.Integer(metadata={"description": "enrolments in this stage at the end of the day"})
    entered = ma.fields.Integer(metadata={"description": "entries into this stage up to that day"})
    reached_pct = ma.fields.Float(allow_none=True, metadata={"description": "entered / entered submitted, %"})
    waiting = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    median_days_waiting = ma.fields.Integer(allow_none=True)
    p90_days_waiting = ma.fields.Integer(allow_none=True)


class CoverageReportSchema(ma.Schema):
    on = ma.fields.Date()
    generated_at = ma.fields.AwareDateTime()
    ucj = ma.fields.Nested(UcjSchema)
    enrolments = ma.fields.List(ma.fields.Dict())
    funnel = ma.fields.List(ma.fields.Nested(FunnelStageSchema))


class MonthlySectionSchema(ma.Schema):
    key = ma.fields.String()
    title = ma.fields.String()
    columns = ma.fields.List(ma.fields.String())
    rows = ma.fields.List(ma.fields.List(ma.fields.Raw()))
    note = ma.fields.String(allow_none=True)


class MonthlyReportSchema(ma.Schema):
    month = ma.fields.String()
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()
    generated_at = ma.fields.AwareDateTime()
    sections = ma.fields.List(ma.fields.Nested(MonthlySectionSchema))
