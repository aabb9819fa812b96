"""What BPJS says about the participants the city pays for: the rows of its membership files."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class BpjsMembership(Base):
    """One row of a BPJS membership file, as imported (batch `batch_id`, line `line`). The newest file that was
    imported in full is BPJS's view the checks compare with; older files' rows are deleted once a newer one is in.
    No foreign key: each of a file's rows would run PostgreSQL's check trigger, for rows the checks prune."""

    __tablename__ = "bpjs_memberships"
    __table_args__ = {"sqlite_with_rowid": False}

    batch_id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    nik: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    line: Mapped[int] = mapped_column(sa.Integer)
    kpj_number: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    programmes: Mapped[str] = mapped_column(sa.String(32))  # "jkk,jkm" or "jkk,jkm,jht"
    status: Mapped[str] = mapped_column(sa.String(16))  # active, non_active
    coverage_start: Mapped[date | None] = mapped_column(sa.Date)
    paid_until: Mapped[date | None] = mapped_column(sa.Date)  # the first day of the last month paid
    arrears_months: Mapped[int] = mapped_column(sa.SmallInteger)
    payer: Mapped[str] = mapped_column(sa.String(16))  # city, employer, agency
