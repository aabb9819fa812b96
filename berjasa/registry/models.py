from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base


class Kecamatan(Base):
    """A district of Makassar (Kemendagri code 73.71.xx)."""

    __tablename__ = "kecamatan"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # Seven of the fifteen codes rest on one weak source (DOMAIN.md); keep that visible.
    code_confirmed: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    @property
    def full_code(self) -> str:
        return f"73.71.{self.code}"
