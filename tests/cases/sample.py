"""A case table for the reference workflow, kept out of the product's schema (its own metadata)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.cases.models import CaseMixin
from berjasa.cases.triggers import Trigger, Triggers
from berjasa.db import str_enum
from berjasa.transaction import unit_of_work
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


class CommentSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1))


class ReasonSchema(CommentSchema):
    pass


class ApprovalSchema(ma.Schema):
    amount = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0))


TRIGGERS = Triggers(WORKFLOW, [Trigger("comment", CommentSchema), Trigger("approve", ApprovalSchema),
                               Trigger("reject", ReasonSchema)])


def create_table(engine: sa.Engine) -> None:
    SampleBase.metadata.create_all(engine)


def open_case(session: Session, actor: Actor, title: str = "Fall from scaffolding", hospital_id=None) -> SampleCase:
    with unit_of_work(session):
        case = SampleCase(title=title, hospital_id=hospital_id)
        cases.create_case(session, case, actor=actor, data={"title": title})
    return case


def fire(session: Session, case_id: int, actor: Actor, trigger: str, version: int, scope=cases.EVERYTHING,
         **kwargs: Any) -> SampleCase:
    with unit_of_work(session):
        case = cases.lock_case(session, SampleCase, case_id, scope)
        cases.transition_case(session, case, actor=actor, trigger=trigger, expected_version=version,
                              triggers=TRIGGERS, **kwargs)
    return case
