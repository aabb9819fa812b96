"""`berjasa backup`: a consistent copy of the database while the service runs.

PostgreSQL: `pg_dump --format=custom` (one snapshot; restore with `pg_restore`, see the README). The password of
the URL is handed to pg_dump in its environment (PGPASSWORD), never on its command line.
SQLite (embedded): SQLite's online backup API copies every page in one step, within one read transaction: in WAL
mode writers go on meanwhile and the copy is the database as it was at one commit."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def default_path(database_url: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    suffix = "dump" if make_url(database_url).get_backend_name() == "postgresql" else "db"
    return Path(f"berjasa-{stamp}.{suffix}")


def backup(database_url: str, target: Path) -> Path:
    """Write a backup of the database to `target` (which must not exist yet); return it."""
    if target.exists():
        raise BackupError(f"{target} exists already: give another file")
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        _pg_dump(database_url, target)
    else:
        _sqlite_backup(Path(url.database or ""), target)
    return target


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=-1)  # all pages in one step: one snapshot, however busy the writers
            (check,) = dst.execute("PRAGMA integrity_check").fetchone()
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {check}")
    partial.rename(target)


def _pg_dump(database_url: str, target: Path) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError("pg_dump is not on the PATH (Debian: apt-get install postgresql-client)")
    url = make_url(database_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    partial = target.with_name(target.name + ".partial")
    done = subprocess.run([program, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
                           f"--dbname={libpq}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    partial.rename(target)
