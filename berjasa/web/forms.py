"""HTML forms made from the API's own input schemas: which widget each field gets, how a submitted form becomes the
JSON-like data the service validates, and where each refusal goes. No rule of its own: the schema and the service
decide what is valid; this only turns `<input>`s into values and errors back into their fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from berjasa import fields as f
from berjasa.errors import BerjasaError

LOCAL_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
#: How many rows a form offers for a list of objects (payment lines).
ROWS = 3


@dataclass(frozen=True)
class Field:
    """One input of a form. kind: text, textarea, number, date, datetime, select, checkboxes, checkbox, amounts
    (a number per choice) or rows (a few rows of `subfields`)."""

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    subfields: tuple[Field, ...] = ()


@dataclass
class Form:
    """A form's fields with what was typed and what was refused, per field, and its general refusal."""

    fields: list[Field]
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    problem: str | None = None

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def checked(self, name: str) -> list[str]:
        values = self.values
        return values.getlist(name) if isinstance(values, MultiDict) else list(values.get(name) or [])


def fields_of(schema: type[ma.Schema] | ma.Schema | None, leave_out: tuple[str, ...] = ()) -> list[Field]:
    """The form fields of an input schema, in its order (load-only and dump-only fields left out)."""
    if schema is None:
        return []
    instance = schema() if isinstance(schema, type) else schema
    return [_field(name, declared) for name, declared in instance.fields.items()
            if name not in leave_out and not declared.dump_only]


def _field(name: str, declared: ma.fields.Field) -> Field:
    name = declared.data_key or name
    required = declared.required
    choices = _choices(declared)
    if isinstance(declared, ma.fields.List):
        inner = declared.inner
        if isinstance(inner, ma.fields.Nested):
            return Field(name, "rows", required, subfields=tuple(fields_of(inner.schema)))
        return Field(name, "checkboxes", required, _choices(inner))
    if isinstance(declared, ma.fields.Dict):
        return Field(name, "amounts", required, _choices(declared.key_field))
    if choices:
        return Field(name, "select", required, choices)
    if isinstance(declared, ma.fields.Boolean):
        return Field(name, "checkbox", False)
    if isinstance(declared, f.Moment):
        return Field(name, "datetime", required)
    if isinstance(declared, ma.fields.Date):
        return Field(name, "date", required)
    if isinstance(declared, ma.fields.Integer):
        return Field(name, "number", required)
    longest = _max_length(declared)
    return Field(name, "textarea" if (longest or 0) > 300 else "text", required, max_length=longest)


def _choices(declared: ma.fields.Field | None) -> tuple[str, ...]:
    if declared is None:
        return ()
    if isinstance(declared, ma.fields.Enum):
        return tuple(member.value for member in declared.enum)
    for validator in declared.validators:
        if isinstance(validator, ma.validate.OneOf):
            return tuple(str(choice) for choice in validator.choices)
    return ()


def _max_length(declared: ma.fields.Field) -> int | None:
    for validator in declared.validators:
        if isinstance(validator, ma.validate.Length):
            return validator.max
    return None


# ---------------------------------------------------------------- form -> data
def data_of(fields: list[Field], form: MultiDict) -> dict[str, Any]:
    """The submitted form as the data the schema loads: empty optional inputs left out, numbers as numbers,
    times typed in WITA given their offset. A value that does not parse is passed on as typed, so that the
    schema refuses it with its own message, next to its field."""
    data: dict[str, Any] = {}
    for spec in fields:
        value = _value(spec, form)
        if value not in (None, "", [], {}):
            data[spec.name] = value
    return data


def _value(spec: Field, form: MultiDict) -> Any:
    if spec.kind == "checkboxes":
        return form.getlist(spec.name)
    if spec.kind == "checkbox":
        return spec.name in form
    if spec.kind == "amounts":
        return {choice: _number(raw) for choice in spec.choices if (raw := form.get(f"{spec.name}.{choice}", ""))}
    if spec.kind == "rows":
        rows = [{sub.name: _scalar(sub, form.get(f"{spec.name}.{i}.{sub.name}", "").strip())
                 for sub in spec.subfields} for i in range(ROWS)]
        return [{k: v for k, v in row.items() if v != ""} for row in rows if any(v != "" for v in row.values())]
    return _scalar(spec, form.get(spec.name, "").strip())


def _scalar(spec: Field, raw: str) -> Any:
    if raw == "":
        return ""
    if spec.kind == "number":
        return _number(raw)
    if spec.kind == "datetime" and LOCAL_MOMENT.match(raw):
        return f"{raw}:00+08:00" if len(raw) == 16 else f"{raw}+08:00"  # typed in WITA
    return raw


def _number(raw: str) -> Any:
    plain = raw.strip().replace(".", "").replace(",", "").replace(" ", "")  # "7.500.000" is how rupiah are written
    return int(plain) if plain.isdigit() else raw


# ---------------------------------------------------------------- refusal -> fields
def refused(form: Form, error: BerjasaError, prefix: str = "") -> Form:
    """Put a service's refusal on the form: each field's reasons under the field (`data.payments.0.amount` goes
    to `payments`), the rest, and a guard's reason, as the form's problem."""
    names = {spec.name for spec in form.fields}
    general: list[str] = []
    for key, messages in error.errors.items():
        name = key.removeprefix(prefix).split(".")[0]
        if name in names:
            detail = key.removeprefix(prefix).split(".", 1)[1] if "." in key.removeprefix(prefix) else ""
            form.errors.setdefault(name, []).extend(f"{detail}: {m}" if detail else m for m in messages)
        else:
            general.extend(messages)
    reason = error.extra.get("reason")
    if reason or general:
        form.problem = reason or "; ".join(general)
    elif not form.errors:
        form.problem = error.detail
    return form
