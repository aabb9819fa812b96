"""Revision 0009 moves a queued upload from import_batches.content into pieces, and the import then runs."""

import pytest
import sqlalchemy as sa

from berjasa import migrate
from berjasa.db import db
from berjasa.enrolment import imports
from berjasa.enrolment.dtsen_demo import generate
from tests.conftest import make_app
from tests.enrolment.test_imports import IMPORTER


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_app(request, tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    app = make_app(tmp_path, url)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_batch_queued_before_0009_is_moved_into_pieces_and_imported(empty_app):
    content = "".join(generate(8000, invalid_share=0.01, seed=6)).encode()  # about 1.15 MB: two pieces
    with empty_app.app_context():
        migrate.upgrade(db.engine, "0008")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO import_batches (filename, sha256, status, total, done, created, updated, unchanged, "
                "rejected, requested_by, content, created_at) VALUES ('old.csv', 'x', 'running', 3000, 200, 190, 0, "
                "0, 10, 'dtsen-import', :content, CURRENT_TIMESTAMP)"), {"content": content})
        migrate.upgrade(db.engine)
        with db.engine.connect() as conn:
            assert [tuple(row) for row in conn.execute(sa.text(
                "SELECT kind, status, done, created, rejected, lines_read FROM import_batches"))] == [
                ("dtsen", "running", 0, 0, 0, 0)]
            pieces = [bytes(p) for p in conn.scalars(sa.text("SELECT data FROM import_pieces ORDER BY seq"))]
            assert "content" not in {c["name"] for c in sa.inspect(conn).get_columns("import_batches")}
        assert len(pieces) == 2 and pieces[0].endswith(b"\n") and b"".join(pieces) == content
        with db.new_session() as session:
            batch = imports.run_import(session=session, batch_id=1, actor=IMPORTER)
    assert (batch.status, batch.done, batch.created, batch.rejected) == ("done", 8000, 7920, 80)
