"""What a check is given (the context of its run) and what it returns (findings, each about one subject)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.imports.models import ImportBatch


@dataclass(frozen=True)
class Scope:
    """What an event-driven run looks at: these participants (and their NIKs) and these claims. A full run has
    no scope (None)."""

    participant_ids: frozenset[int] = frozenset()
    claim_ids: frozenset[int] = frozenset()
    niks: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.participant_ids or self.claim_ids or self.niks)


@dataclass(frozen=True)
class Settings:
    """The checks' settings (BERJASA_CHECK_*; DOMAIN.md marks the lapse rule UNCONFIRMED)."""

    arrears_months: int = 3
    arrears_lapse: bool = False
    admitted_days: int = 7
    name_score: int = 85

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(int(config.get("CHECK_ARREARS_MONTHS", 3)), bool(config.get("CHECK_ARREARS_LAPSE", False)),
                   int(config.get("CHECK_ADMITTED_DAYS", 7)), int(config.get("CHECK_NAME_SCORE", 85)))


@dataclass(frozen=True)
class BpjsFile:
    """The BPJS membership file the checks compare with: the newest imported in full."""

    batch_id: int
    filename: str

    def source(self, line: int | None) -> str:
        if line is None:
            return f"BPJS file {self.batch_id} ({self.filename}): no row for the NIK"
        return f"BPJS file {self.batch_id} ({self.filename}), line {line}"


@dataclass
class Context:
    session: Session
    now: datetime
    settings: Settings
    scope: Scope | None = None  # None: a full run
    bpjs: BpjsFile | None = None
    config: Mapping[str, Any] = field(default_factory=dict)  # the app's settings (premium rates ...)


@dataclass(frozen=True)
class Finding:
    """One subject a check found, with the evidence: each side's values and their source."""

    subject_type: str
    subject_key: str
    evidence: dict[str, Any]
    participant_id: int | None = None
    claim_id: int | None = None
    kecamatan: str | None = None
    hospital_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # what an action on the finding needs (not stored)

    @property
    def key(self) -> tuple[str, str]:
        return self.subject_type, self.subject_key

    @property
    def evidence_hash(self) -> str:
        return evidence_hash(self.evidence)


def side(source: str, **values: Any) -> dict[str, Any]:
    return {"source": source, "values": values}


def evidence_hash(evidence: Mapping[str, Any]) -> str:
    """A hash of both sides' values, not their sources: the same difference read from a newer file (another line)
    is the same evidence."""
    values = {name: part.get("values") for name, part in evidence.items()}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def current_bpjs_file(session: Session) -> BpjsFile | None:
    """The newest BPJS membership file imported in full, or None before the first."""
    row = session.execute(sa.select(ImportBatch.id, ImportBatch.filename)
                          .where(ImportBatch.kind == "bpjs", ImportBatch.status == "done")
                          .order_by(ImportBatch.id.desc()).limit(1)).first()
    return BpjsFile(row.id, row.filename) if row else None


def iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
