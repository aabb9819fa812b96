"""`berjasa reports rebuild`: the reports' read models computed again from the case tables."""

from __future__ import annotations

import click
from flask import current_app

from berjasa.db import db
from berjasa.migrate import ensure_schema


@click.group("reports", help="The reports' read models.")
def reports_group() -> None:
    pass


@reports_group.command("rebuild")
def reports_rebuild() -> None:
    """Compute every read model of the reports again from the cases, their clocks and their audit log (once after
    upgrading to a version with new reports, or after `sla rebuild --apply`); the consumer keeps them after that."""
    from berjasa.reports.projections import rebuild_all
    from berjasa.transaction import unit_of_work

    ensure_schema(current_app)
    with db.new_session() as session, unit_of_work(session):
        counted = rebuild_all(session)
    click.echo(", ".join(f"{name}: {count}" for name, count in counted.items()))
