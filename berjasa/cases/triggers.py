"""One spec per trigger: its data schema, the facts its guards need, and what it changes besides the state.

A case type declares its triggers once (claims/triggers.py, enrolment/triggers.py) in a `Triggers` table;
the generic write path (cases/service.py) reads it, so adding a trigger is one row in the workflow's
transition table and, if it takes data or changes more than the state, one `Trigger` here."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import marshmallow as ma
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.errors import ValidationFailed, flatten_messages
from workflows.engine import Workflow


@dataclass(frozen=True)
class Step:
    """What a trigger's `facts` and `apply` are given: the open transaction, who acts, when, and the settings."""

    session: Session
    actor: Actor
    now: datetime
    config: Mapping[str, Any] = field(default_factory=dict)


#: Looks up the facts the guards need: (step, locked case, validated data) -> the workflow's facts object.
FactsOf = Callable[[Step, Any, Mapping[str, Any]], Any]
#: The case's columns a trigger changes besides its state, by attribute name.
Changes = dict[str, Any]
#: The case's columns the trigger changes besides the state: (step, case, data as the audit event records it,
#: facts) -> the changed columns (the write path writes them with the state, version and chain head in one
#: UPDATE). It reads nothing but its arguments (the case's columns, the data, the facts, step.now and step.actor),
#: so that replaying the audit log gives the same columns (berjasa/cases/replay.py).
ApplyOf = Callable[[Step, Any, Mapping[str, Any], Any], Changes | None]
#: What the trigger does besides the case's own row, before `apply`: (step, locked case, validated data, facts)
#: -> None. Writes rows of other tables with step.session (a hospital tie, a coverage period) and refuses what
#: needs the database to see (a KPJ number in use). Never replayed.
EffectsOf = Callable[[Step, Any, Mapping[str, Any], Any], None]
#: The facts `apply` needs, made again from an audit event for a replay: (hospital id by code, data as recorded,
#: the event's time) -> the workflow's facts object.
RecordedFactsOf = Callable[[Callable[[str], int | None], Mapping[str, Any], datetime], Any]


@dataclass(frozen=True)
class Trigger:
    name: str
    schema: type[ma.Schema] | None = None
    facts: FactsOf | None = None
    apply: ApplyOf | None = None
    effects: EffectsOf | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_schema", self.schema() if self.schema else None)

    def validate(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(loaded, recorded): the data as Python values for guards and `apply`, and as the JSON the audit
        event keeps. 422 naming each bad field as `data.<field>`."""
        schema: ma.Schema | None = self._schema  # type: ignore[attr-defined]
        if schema is None:
            if data:
                raise ValidationFailed(f"{self.name!r} takes no data", errors={"data": ["must be empty"]})
            return {}, {}
        try:
            loaded = schema.load(data)
        except ma.ValidationError as exc:
            errors = flatten_messages(exc.messages, "data")
            raise ValidationFailed(f"Invalid data for {self.name!r}: {', '.join(sorted(errors))}",
                                   errors=errors) from None
        return loaded, schema.dump(loaded)


#: Every workflow's trigger table by workflow name (each table registers itself).
TABLES: dict[str, Triggers] = {}


class Triggers:
    """A workflow's trigger specs by name; every trigger of the workflow has one (plain if not declared)."""

    def __init__(self, workflow: Workflow, specs: Iterable[Trigger], *,
                 initial: Callable[[Mapping[str, Any]], Changes] | None = None,
                 recorded_facts: RecordedFactsOf | None = None) -> None:
        """`initial`: the columns that triggers change, as a new case has them (given its creation's recorded
        data); `recorded_facts`: the facts `apply` reads, made from an audit event (default: none)."""
        TABLES[workflow.name] = self
        self.workflow = workflow
        self.initial = initial or (lambda _data: {})
        self.recorded_facts = recorded_facts or (lambda _hospital_id, _data, _at: workflow.facts())
        self._specs = {spec.name: spec for spec in specs}
        unknown = sorted(set(self._specs) - workflow.triggers)
        if unknown:
            raise ValueError(f"{workflow.name} has no trigger {', '.join(unknown)}")
        for name in workflow.triggers - set(self._specs):
            self._specs[name] = Trigger(name)

    def __getitem__(self, name: str) -> Trigger:
        return self._specs[name]

    def data_schemas(self) -> dict[str, dict[str, Any] | None]:
        """Each trigger's `data` as a JSON Schema (fields, types, bounds, required); None = no data."""
        return {name: json_schema(spec.schema) if spec.schema else None for name, spec in self._specs.items()}

    def schema_names(self) -> dict[str, str | None]:
        """Each trigger's data schema by name: `ClaimRejectionSchema` -> "claim_rejection"; None = no data."""
        return {name: _snake(spec.schema.__name__.removesuffix("Schema")) if spec.schema else None
                for name, spec in self._specs.items()}


@functools.cache
def json_schema(schema: type[ma.Schema]) -> dict[str, Any]:
    """A marshmallow schema as a JSON Schema (apispec's converter, nested schemas inlined)."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    plugin = MarshmallowPlugin(schema_name_resolver=lambda _schema: None)
    APISpec("data", "1", "3.0.3", plugins=[plugin])
    converted = plugin.converter.schema2jsonschema(schema)
    converted["additionalProperties"] = False  # unknown fields are refused
    return converted


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
