"""The event contract: what an outbox row holds, what a Dramatiq message carries, and what a consumer gets.

An event is written once (an outbox row, in the transaction of the change it describes), sent as one
message per subscribed consumer (workers/relay.py), and handed to the consumer as the same `Event`. Its
fields are named here and nowhere else: the outbox model, the relay's queries and the message shape are
derived from this class."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    event_id: str  # uuid4 hex: consumers dedupe on it
    event_type: str  # "<case_type>.<trigger>", "<case_type>.created", "import.requested", "timer.due" ...
    case_type: str | None
    case_id: int | None
    case_version: int | None  # the case's version after the change: consumers never go backwards
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None  # aware, UTC

    def __post_init__(self) -> None:
        if isinstance(self.created_at, str):  # from a message
            object.__setattr__(self, "created_at", datetime.fromisoformat(self.created_at))

    @property
    def at(self) -> datetime:
        return self.created_at

    def row(self) -> dict[str, Any]:
        """The outbox row's values."""
        return {name: getattr(self, name) for name in FIELDS}

    def to_message(self) -> dict[str, Any]:
        """The JSON a Dramatiq message carries."""
        message = self.row()
        message["created_at"] = self.created_at.isoformat()
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Event:
        return cls(**message)

    @classmethod
    def of(cls, row: Any) -> Event:
        """The event of anything that has its fields as attributes (an outbox row, a query's row)."""
        return cls(*(getattr(row, name) for name in FIELDS))


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Event))
