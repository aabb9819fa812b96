"""The field types every input schema uses, each with a bound, so that no input can reach the database
(or Python) in a shape it cannot hold: ids within a BIGINT, money within MONEY_MAX, dates within a
plausible window, strings within a length and free of NUL bytes and lone surrogates, booleans that are
JSON booleans. Each refusal is marshmallow's, so it comes back as a 422 naming the field.

    from berjasa import fields as f
    class ClaimCreateSchema(ma.Schema):
        place = f.Text(max_length=300, required=True)
        accident_at = f.Moment(required=True, earliest=ACCIDENTS_FROM)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma

from berjasa.time import WITA, today_wita

#: The largest id any table holds (PostgreSQL BIGINT; SQLite's INTEGER is 64-bit too).
MAX_ID = 2**63 - 1
#: Counts and other small integers (PostgreSQL INTEGER).
MAX_INT = 2**31 - 1
#: The most rupiah any amount may be: Rp 999,999,999,999 (under a trillion), far above any benefit or income
#: and far inside a BIGINT even when a dozen amounts are added up.
MONEY_MAX = 999_999_999_999
#: Dates outside this window are typing mistakes (and some, such as year 0, are not dates at all).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)
#: Accidents, admissions, payments and other events the system records happen after this.
EVENTS_FROM = date(1970, 1, 1)
#: Free text longer than this is refused wherever no smaller limit is given.
MAX_TEXT = 10_000


def clean_text(value: str) -> str | None:
    """Why a string cannot be stored as text (a NUL byte, a lone surrogate), or None when it can."""
    if "\x00" in value:
        return "must not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it contains a lone surrogate)"
    return None


class Text(ma.fields.String):
    """A string with a maximum length (and optionally a minimum), free of NUL bytes and lone surrogates."""

    def __init__(self, *, max_length: int = MAX_TEXT, min_length: int | None = None, **kwargs: Any) -> None:
        length = ma.validate.Length(min=min_length, max=max_length)
        validate = kwargs.pop("validate", None)
        validators = [length, *([validate] if callable(validate) else (validate or []))]
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = clean_text(text)
        if problem:
            raise ma.ValidationError(problem)
        return text


class Integer(ma.fields.Integer):
    """An integer within [minimum, maximum]; strict (a JSON number, not "12") unless parsed from a query."""

    def __init__(self, *, minimum: int = 0, maximum: int = MAX_INT, strict: bool = True, **kwargs: Any) -> None:
        validate = kwargs.pop("validate", None)
        validators = [ma.validate.Range(min=minimum, max=maximum), *([validate] if validate else [])]
        super().__init__(strict=strict, validate=validators, **kwargs)


class Id(Integer):
    """A row id: 1 to 2^63-1."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(minimum=1, maximum=MAX_ID, **kwargs)


class Money(Integer):
    """Whole rupiah, 0 to MONEY_MAX."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("description", f"whole rupiah, at most {MONEY_MAX:,}")
        super().__init__(minimum=0, maximum=MONEY_MAX, **kwargs)


class Boolean(ma.fields.Boolean):
    """true or false, nothing else: {"jht": 0} or "yes" is refused, not taken for a boolean."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryBoolean(ma.fields.Boolean):
    """In a query string: `true` or `false`, nothing else ("1", "yes" and "TRUE" are refused)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value not in ("true", "false"):
            raise ma.ValidationError("must be true or false")
        return value == "true"


class Day(ma.fields.Date):
    """A YYYY-MM-DD date within a window; `not_future` refuses a date after today (WITA)."""

    def __init__(self, *, earliest: date = EARLIEST_DAY, latest: date = LATEST_DAY, not_future: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.earliest, self.latest, self.not_future = earliest, latest, not_future

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if day < self.earliest:
            raise ma.ValidationError(f"must not be before {self.earliest.isoformat()}")
        if day > self.latest:
            raise ma.ValidationError(f"must not be after {self.latest.isoformat()}")
        if self.not_future and day > today_wita():
            raise ma.ValidationError("must not be in the future")
        return day


class Moment(ma.fields.AwareDateTime):
    """An ISO 8601 time with its UTC offset (WITA is +08:00), from `earliest` (a day, UTC) to 2100."""

    def __init__(self, *, earliest: date = EVENTS_FROM, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages["invalid_awareness"] = "must include a UTC offset, e.g. 2026-03-01T09:30:00+08:00"
        self.earliest = datetime(earliest.year, earliest.month, earliest.day, tzinfo=UTC)
        self.latest = datetime(LATEST_DAY.year, 12, 31, tzinfo=UTC)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value) > 64:
            raise ma.ValidationError("Not a valid datetime.")
        try:
            moment = super()._deserialize(value, attr, data, **kwargs)
            in_window = self.earliest <= moment <= self.latest
        except OverflowError:  # an offset that pushes the time past year 1 or 9999
            in_window = False
        if not in_window:
            raise ma.ValidationError(f"must be between {self.earliest.date().isoformat()} and "
                                     f"{self.latest.date().isoformat()}")
        return moment.astimezone(WITA)  # kept and shown in WITA, whatever offset it came with


def listing(item: ma.fields.Field, *, max_items: int, min_items: int = 0, **kwargs: Any) -> ma.fields.List:
    """A list of at most `max_items` (at least `min_items`)."""
    return ma.fields.List(item, validate=ma.validate.Length(min=min_items or None, max=max_items), **kwargs)
