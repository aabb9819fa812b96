"""The import engine's tables: a batch, the file it reads (in pieces), the keys it has seen, refused rows."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class ImportBatch(Base):
    """One file imported: its kind, where the reading stands and what it did."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), default="dtsen", server_default="dtsen")
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    total: Mapped[int] = mapped_column(sa.Integer, default=0)
    done: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Physical lines of the file read by the committed chunks (header included): where a resumed run starts.
    lines_read: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated: Mapped[int] = mapped_column(sa.Integer, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, default=0)
    rejected: Mapped[int] = mapped_column(sa.Integer, default=0)
    requested_by: Mapped[str] = mapped_column(sa.String(64))
    # The run that holds the batch: a newer run takes it over, and the older one's next chunk rolls back.
    runner: Mapped[str | None] = mapped_column(sa.String(32))
    failure: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ImportPiece(Base):
    """A piece of an uploaded file (about 1 MiB, ending at a line end), so that no process holds the whole
    file and any worker host can read it: the API and the workers share only the database."""

    __tablename__ = "import_pieces"

    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class ImportKey(Base):
    """A key (e.g. a NIK) already read in a batch and the line it was on: a later line with it is a duplicate.
    Kept in the database so that memory does not grow with the file; deleted when the batch is done."""

    __tablename__ = "import_keys"
    __table_args__ = {"sqlite_with_rowid": False}  # one b-tree, not a table and its primary key index

    # No foreign key: a million rows would each run PostgreSQL's check trigger, for scratch rows that the
    # engine deletes itself when the batch is done.
    batch_id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    line: Mapped[int] = mapped_column(sa.Integer)


class ImportRowError(Base):
    """A row of an import that was refused, with the column and the reason."""

    __tablename__ = "import_row_errors"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(sa.Integer)
    column: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.String(300))
