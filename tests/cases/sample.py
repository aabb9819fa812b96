"""A case table for the reference workflow, kept out of the product's schema (its own metadata)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.cases.models import CaseMixin
from berjasa.db import str_enum, unit_of_work
from workflows.sample import WORKFLOW, SampleState


class SampleBase(DeclarativeBase):
    pass


class SampleCase(CaseMixin, SampleBase):
    __tablename__ = "sample_cases"
    case_type = "sample"
    workflow = WORKFLOW

    state: Mapped[SampleState] = mapped_column(str_enum(SampleState))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    hospital_id: Mapped[int | None] = mapped_column(sa.Integer)


class NoteSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1))


class ApprovalSchema(ma.Schema):
    amount = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0))


SCHEMAS = {"comment": NoteSchema, "reason": NoteSchema, "approval": ApprovalSchema}


def create_table(engine: sa.Engine) -> None:
    SampleBase.metadata.create_all(engine)


def open_case(session: Session, actor: Actor, title: str = "Fall from scaffolding", hospital_id=None) -> SampleCase:
    with unit_of_work(session):
        case = SampleCase(title=title, hospital_id=hospital_id)
        cases.create_case(session, case, actor=actor, data={"title": title})
    return case


def fire(session: Session, case_id: int, actor: Actor, trigger: str, version: int, **kwargs: Any) -> SampleCase:
    with unit_of_work(session):
        case, _event = cases.transition_case(
            session, SampleCase, case_id, actor=actor, trigger=trigger, expected_version=version,
            data_schemas=SCHEMAS, **kwargs,
        )
    return case
