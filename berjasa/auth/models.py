from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from berjasa.db import Base, UtcDateTime, str_enum, utcnow
from berjasa.parties.models import Party
from workflows.roles import Role


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # notifications: the language they are shown in ("id" or "en") and where e-mail goes (none: no e-mail)
    language: Mapped[str] = mapped_column(sa.String(2), default="id", server_default="id")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # the web pages: an argon2id hash (none: the user signs in with no password, only tokens work), the run of
    # wrong passwords since the last good one, and until when the account is locked after too many
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    party: Mapped[Party] = relationship(lazy="joined")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiToken(Base):
    """A bearer token, kept only as its SHA-256 hash; `prefix` lets people tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")
