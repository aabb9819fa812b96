from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow


class Ping(Base):
    """A ping handled by a worker: proof that a message went API/CLI -> broker -> actor -> database."""

    __tablename__ = "pings"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    handled_by: Mapped[str] = mapped_column(sa.String(200))
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
