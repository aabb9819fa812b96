"""Engine, sessions and column types. The transaction boundary is berjasa.transaction.unit_of_work."""

from __future__ import annotations

import contextlib
import functools
import json
import operator
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Berjasa stores aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Database:
    """The Flask extension: one engine per app, one session per request or per unit of work."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"], app.config)
        app.extensions["berjasa.db"] = sessionmaker(bind=engine, expire_on_commit=False, autobegin=True)
        app.teardown_appcontext(_close_request_session)

    @property
    def engine(self) -> Engine:
        return self.factory.kw["bind"]

    @property
    def factory(self) -> sessionmaker[Session]:
        return current_app.extensions["berjasa.db"]

    @property
    def session(self) -> Session:
        """The session of the current request (or app context), made on first use."""
        if "db_session" not in g:
            g.db_session = self.factory()
        return g.db_session

    @contextlib.contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session of its own, for work outside a request (workers, CLI, auth look-ups)."""
        with self.factory() as session:
            yield session


db = Database()


def _close_request_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def make_engine(url: str, config: dict[str, Any]) -> Engine:
    """Build the engine for SQLite (WAL, busy timeout) or PostgreSQL (psycopg 3, pooled)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, int(config["SQLITE_BUSY_TIMEOUT_MS"]))
    return sa.create_engine(
        url,
        pool_size=int(config["DB_POOL_SIZE"]),
        max_overflow=int(config["DB_POOL_SIZE"]),
        pool_recycle=1800,
    )


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so that BEGIN can be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("berjasa_write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def str_enum(enum_cls: type, length: int = 32) -> sa.Enum:
    """A portable enum column: stored as its string value, loaded as the enum member."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


@contextlib.contextmanager
def read_only(session: Session) -> Iterator[Session]:
    """A read: inside a transaction already open (e.g. after an ORM refresh), or in one of its own."""
    if session.in_transaction():
        yield session
        return
    with session.begin():
        yield session


def bulk_insert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows fast, in the caller's transaction: COPY on PostgreSQL, a raw executemany on SQLite.

    For imports of tens of thousands of rows, where SQLAlchemy's per-value type processing costs more
    than the database. Values are converted here as the column types would convert them."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    columns = list(rows[0])
    special = [(i, convert) for i, name in enumerate(columns)
               if (convert := _raw_converter(table.c[name].type, dialect)) is not None]
    getter = operator.itemgetter(*columns)
    values = []
    for row in rows:
        value = list(getter(row))
        for i, convert in special:
            value[i] = convert(value[i])
        values.append(value)
    connection = session.connection().connection.driver_connection
    names = ", ".join(columns)
    if dialect == "postgresql":
        with connection.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
    else:
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)


def allocate_ids(session: Session, table: sa.Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, taken before writing them, so that nothing is read back after
    a COPY (reading back by another column is a query whose cost grows with the table)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
        return list(session.scalars(query, {"table": table.name, "count": count}))
    # SQLite: the writer holds the database lock (BEGIN IMMEDIATE), so nobody else takes these ids meanwhile.
    top = session.scalar(sa.select(sa.func.max(table.c.id))) or 0
    return list(range(top + 1, top + 1 + count))


def _raw_converter(column_type: Any, dialect: str) -> Callable[[Any], Any] | None:
    """How a value must be turned into what the driver takes for this column; None when it takes it as is."""
    if isinstance(column_type, sa.JSON):
        return _json_text
    if isinstance(column_type, sa.Enum):
        return lambda v: None if v is None else getattr(v, "value", v)
    if dialect != "sqlite":
        return None
    if isinstance(column_type, UtcDateTime):
        return _sqlite_timestamp
    if isinstance(column_type, sa.Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(column_type, sa.Boolean):
        return lambda v: None if v is None else int(v)
    return None


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    return "[]" if value == [] else json.dumps(value)


@functools.lru_cache(maxsize=1024)
def _sqlite_timestamp(value: datetime | None) -> str | None:
    # the format SQLAlchemy's SQLite DateTime writes; rows of one import share a few timestamps
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def among(session: Session, column: Any, values: list[Any]) -> sa.ColumnElement[bool]:
    """`column IN values` for thousands of values: one array parameter on PostgreSQL (no 5,000 placeholders)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def upsert(session: Session, model: Any) -> Any:
    """An INSERT that can say ON CONFLICT (DO NOTHING / DO UPDATE), in the session's dialect."""
    return upsert_into(session.get_bind().dialect.name, model)


def upsert_into(dialect: str, model: Any) -> Any:
    """An INSERT that can say ON CONFLICT, for this dialect ("postgresql" or "sqlite")."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def insert_many(session: Session, table: sa.Table, rows: list[dict[str, Any]], *, skip_conflicts: bool = False,
                returning: str | None = None) -> list[Any]:
    """Insert rows (all with the same keys) in one statement, in the caller's transaction; with `returning`, the
    values of that column of the rows inserted. On PostgreSQL one `INSERT ... SELECT FROM unnest(arrays)`: one
    round trip and one statement text whatever the row count, so neither SQLAlchemy nor psycopg compiles it
    again. `skip_conflicts` adds ON CONFLICT DO NOTHING."""
    if not rows:
        return []
    columns = tuple(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        insert = upsert_into("sqlite", table)
        statement = insert.on_conflict_do_nothing() if skip_conflicts else insert
        if returning:
            return list(session.execute(statement.values(rows).returning(table.c[returning])).scalars())
        session.execute(statement, rows)
        return []
    sql, converters = _unnest_insert(table, columns, skip_conflicts, returning)
    params = [[convert(row[name]) for row in rows] if convert else [row[name] for row in rows]
              for name, convert in zip(columns, converters, strict=True)]
    # the driver's own cursor, arrays sent in binary: no SQLAlchemy statement machinery, no text escaping
    with session.connection().connection.driver_connection.cursor() as cursor:
        cursor.execute(sql, params, binary=True)
        return [row[0] for row in cursor.fetchall()] if returning else []


@functools.lru_cache(maxsize=64)
def _unnest_insert(table: sa.Table, columns: tuple[str, ...], skip_conflicts: bool,
                   returning: str | None) -> tuple[str, list[Callable[[Any], Any] | None]]:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    arrays, converters = [], []
    for name in columns:
        column_type = table.c[name].type
        arrays.append(f"CAST(%b AS {column_type.compile(dialect=dialect)}[])")
        converters.append(_json_text if isinstance(column_type, sa.JSON) else (
            (lambda v: None if v is None else getattr(v, "value", v)) if isinstance(column_type, sa.Enum) else None))
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({', '.join(arrays)})"
           + (" ON CONFLICT DO NOTHING" if skip_conflicts else "") + (f" RETURNING {returning}" if returning else ""))
    return sql, converters
