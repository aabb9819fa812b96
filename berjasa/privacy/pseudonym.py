"""The pseudonym that replaces a NIK: keyed with the instance secret, so that the same secret finds a person's
remaining rows again from their NIK (a data-subject request), and nobody without it can."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "P"


def pseudonym(nik: str, secret: str) -> str:
    """'P' and 15 hex digits (fits the 16 characters of a NIK column, and can never be a NIK: not all digits)."""
    digest = hmac.new(secret.encode(), f"nik:{nik}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:15]


def is_pseudonym(value: str) -> bool:
    return value.startswith(PREFIX)
