"""Keeping an uploaded file: checked in one pass, then stored in the database in pieces of about 1 MiB.

The database, not a local disk: in production the API and the workers run on different hosts that
share only PostgreSQL and Redis, so a worker on any host reads the file the API received, and an import
resumed after a crash finds it still there. Pieces end at a line end, and each is fetched on its own
when the reading gets there, so no process holds more than a piece of the file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import read_only
from berjasa.imports.csvfile import Layout, read_header, text_lines
from berjasa.imports.models import ImportPiece

PIECE = 1 << 20


@dataclass(frozen=True)
class Facts:
    sha256: str
    lines: int  # non-blank lines after the header: the data rows, near enough for a progress bar


def pieces_of(file: BinaryIO, size: int | None = None) -> Iterator[bytes]:
    """The file in pieces of up to `size` bytes (PIECE), each ending at a line end where the file has one."""
    size = size or PIECE
    carry = b""
    while block := file.read(size - len(carry)):
        data = carry + block
        cut = data.rfind(b"\n") + 1 or data.rfind(b"\r") + 1 or len(data)
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def inspect(file: BinaryIO, layout: Layout) -> Facts:
    """Read the whole file once: FileRefused unless it is UTF-8 text with a good header; its hash and size."""
    digest = hashlib.sha256()

    def hashed() -> Iterator[bytes]:
        for piece in pieces_of(file):
            digest.update(piece)
            yield piece

    lines = text_lines(hashed())
    read_header(lines, layout)
    count = sum(1 for line in lines if line.strip())
    return Facts(digest.hexdigest(), count)


def store(session: Session, batch_id: int, file: BinaryIO) -> int:
    """Write the file's pieces in the caller's transaction; return how many."""
    seq = -1
    for seq, piece in enumerate(pieces_of(file)):
        session.execute(sa.insert(ImportPiece), {"batch_id": batch_id, "seq": seq, "data": piece})
    return seq + 1


def stored_pieces(session: Session, batch_id: int) -> Iterator[bytes]:
    """The stored file, one piece fetched at a time (each in a short read of its own)."""
    query = sa.select(ImportPiece.data).where(ImportPiece.batch_id == batch_id, ImportPiece.seq == sa.bindparam("seq"))
    seq = 0
    while True:
        with read_only(session):
            piece = session.scalar(query, {"seq": seq})
        if piece is None:
            return
        yield piece
        seq += 1
