"""The app's own commands: `berjasa db ...`, `berjasa users ...`, `berjasa demo ...`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import click
from flask import Flask, current_app

from berjasa import migrate
from berjasa.auth import service as auth
from berjasa.db import db
from berjasa.errors import BerjasaError
from berjasa.migrate import ensure_schema
from workflows.roles import USER_ROLES, Role


def register(app: Flask) -> None:
    from berjasa.reports.cli import reports_group

    app.cli.add_command(sla_group)
    app.cli.add_command(reports_group)
    app.cli.add_command(import_group)
    app.cli.add_command(checks_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(prune_command)
    app.cli.add_command(privacy_group)


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="The file to write (default: berjasa-<UTC time>.dump, or .db for SQLite, here).")
def backup_command(output: str | None) -> None:
    """Back the database up while the service runs: pg_dump's custom format (PostgreSQL), or SQLite's online
    backup API (embedded). The README says how to restore."""
    from pathlib import Path

    from berjasa.backup import BackupError, backup, default_path

    url = current_app.config["DATABASE_URL"]
    try:
        target = backup(url, Path(output) if output else default_path(url))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written: {target} ({target.stat().st_size:,} bytes)")


@click.command("prune")
def prune_command() -> None:
    """Prune now what the retention allows (published outbox rows, processed records, fired timers and finished
    deliveries older than BERJASA_RETENTION_DAYS); the scheduler's tick does it every tick."""
    from berjasa.retention import prune

    ensure_schema(current_app)
    total: dict[str, int] = {}
    with db.new_session() as session:
        while True:  # a call deletes a bounded number of batches per table: go on until one deletes nothing
            pruned = prune(session, current_app.config)
            for table, count in pruned.items():
                total[table] = total.get(table, 0) + count
            if not any(pruned.values()):
                break
    click.echo("pruned: " + ", ".join(f"{count} {table}" for table, count in total.items()))


@click.group("privacy", help="Personal data (UU 27/2022): data-subject exports and the retention rule.")
def privacy_group() -> None:
    pass


@privacy_group.command("export")
@click.argument("nik")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="The JSON file to write (default: standard output).")
def privacy_export(nik: str, output) -> None:
    """Write everything held about the holder of NIK as JSON (give - to read the NIK from standard input, which
    keeps it out of the shell's history and the process list)."""
    import json
    import sys

    from berjasa.logs import mask_nik
    from berjasa.privacy.export import export

    if nik == "-":
        nik = sys.stdin.readline()
    nik = nik.strip()
    if not (len(nik) == 16 and nik.isdigit()):
        raise click.ClickException("a NIK is 16 digits")
    with db.new_session() as session:
        held = export(session, nik, secret=current_app.config["SECRET_KEY"])
    if held is None:
        raise click.ClickException(f"nothing is held about NIK {mask_nik(nik)}")
    json.dump(held, output, ensure_ascii=False, indent=2)
    output.write("\n")
    click.echo(f"NIK {mask_nik(nik)}: participant {'yes' if held['participant'] else 'no'}, "
               f"{len(held['enrolments'])} enrolment(s), {len(held['claims'])} claim(s), "
               f"{len(held['notifications'])} notification(s)", err=True)


@privacy_group.command("retention")
@click.option("--apply", "apply_", is_flag=True, help="Pseudonymise them (default: only list them).")
def privacy_retention(apply_: bool) -> None:
    """List the participants with no open case for BERJASA_PERSONAL_DATA_RETENTION_YEARS years; with --apply,
    pseudonymise them (the README says what that keeps and what it removes)."""
    from berjasa.auth.service import Actor
    from berjasa.privacy import retention

    ensure_schema(current_app)
    years = current_app.config["PERSONAL_DATA_RETENTION_YEARS"]
    with db.new_session() as session:
        ids = retention.due(session, years=years)
        click.echo(f"{len(ids)} participant(s) with no open case for {years} years"
                   + (f": {', '.join(map(str, ids[:50]))}{' …' if len(ids) > 50 else ''}" if ids else ""))
        if apply_ and ids:
            done = retention.pseudonymise(session, ids, secret=current_app.config["SECRET_KEY"], years=years,
                                          actor=Actor.system("privacy-retention"))
            click.echo(f"pseudonymised {done} participant(s)")


@click.group("audit", help="The tamper-evident audit log.")
def audit_group() -> None:
    pass


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every case's hash chain; name the first broken event and exit 1 if any is broken."""
    from berjasa.events import audit

    with db.new_session() as session, session.begin():
        result = audit.verify(session)
    if result.first_break is not None:
        click.echo(f"audit log BROKEN in {result.broken_cases} of {result.cases} case(s); first: {result.first_break}",
                   err=True)
        raise SystemExit(1)
    click.echo(f"audit log intact: {result.events} events in {result.cases} cases")


@click.group("sla", help="SLA clocks.")
def sla_group() -> None:
    pass


@sla_group.command("tick")
def sla_tick() -> None:
    """Record the warnings, breaches and escalations that are due now (the scheduler does this every tick)."""
    from berjasa.sla.service import tick

    ensure_schema(current_app)
    with db.new_session() as session:
        result = tick(session=session, batch=current_app.config["TICK_BATCH"])
    click.echo(f"{result.clocks} clock(s) looked at: {result.warned} warned, {result.breached} breached, "
               f"{result.escalated} escalated")


@sla_group.command("rebuild")
@click.option("--apply", "apply_", is_flag=True, help="Store the recomputed clocks (default: only show).")
def sla_rebuild(apply_: bool) -> None:
    """Recompute every clock from the audit log with the policies and calendar in force; print the differences
    from what is stored (exit 1 if there are any and --apply was not given)."""
    from berjasa.sla.rebuild import rebuild

    ensure_schema(current_app)
    grace = timedelta(seconds=2 * int(current_app.config["TICK_SECONDS"]))
    with db.new_session() as session:
        differences = rebuild(session=session, apply=apply_, grace=grace)
    for difference in differences:
        click.echo(str(difference))
    cases = len({(d.case_type, d.case_id) for d in differences})
    verb = "stored anew" if apply_ else "differ"
    click.echo(f"{len(differences)} difference(s) in {cases} case(s)" + (f"; {verb}" if differences else ""),
               err=True)
    if differences and not apply_:
        raise SystemExit(1)


@click.group("import", help="Bulk imports.")
def import_group() -> None:
    pass


@import_group.command("dtsen")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="dtsen-import", show_default=True,
              help="The user the enrolments are created by (a system actor if no such user).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the refused rows (line, column, reason) to this CSV file.")
def import_dtsen(path: str, username: str, errors_path: str | None) -> None:
    """Import a DTSEN CSV now, with a progress bar; print the counts and where the row errors are."""
    _import_file("dtsen", path, username, errors_path, "/api/v1/enrolments/imports/{}/errors.csv")


@import_group.command("bpjs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="bpjs-import", show_default=True,
              help="The user the import is recorded for (a system actor if no such user).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the refused rows (line, column, reason) to this CSV file.")
@click.option("--no-checks", is_flag=True, help="Leave the cross-checks to the workers (they run on the import).")
def import_bpjs(path: str, username: str, errors_path: str | None, no_checks: bool) -> None:
    """Import a BPJS membership file now, with a progress bar; then run the cross-checks on it in full and print
    what they found, opened and resolved."""
    batch, again = _import_file("bpjs", path, username, errors_path, "/api/v1/imports/batches/{}/errors.csv")
    if not no_checks:
        _run_checks_after(batch, again=again)


@import_group.command("invoices")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="bpjs-import", show_default=True)
def import_invoices(path: str, username: str) -> None:
    """Import BPJS's premium invoices (CSV: reference, month, cohort, programme, participants, amount, due_on)."""
    _import_file("bpjs_invoices", path, username, None, "/api/v1/imports/batches/{}/errors.csv")


@import_group.command("payments")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="payments-import", show_default=True)
def import_payments(path: str, username: str) -> None:
    """Import the city's premium payments (CSV: reference, invoice_reference, paid_on, amount)."""
    _import_file("city_payments", path, username, None, "/api/v1/imports/batches/{}/errors.csv")


def _import_file(kind: str, path: str, username: str, errors_path: str | None, errors_url: str):
    from pathlib import Path

    from berjasa.auth.service import actor_for
    from berjasa.imports import engine

    ensure_schema(current_app)
    with _friendly_errors(), db.new_session() as session, open(path, "rb") as file:
        actor = actor_for(session=session, username=username)
        # The file is kept in the database like an upload; after a crash the same command resumes its batch.
        batch = engine.start(session=session, kind=kind, requested_by=username, filename=Path(path).name, file=file,
                             background=False, resume=True)
        again = batch.status == "done"  # the same file as the newest imported in full: its rows are used again
        if again:
            click.echo(f"import {batch.id}: the same file (SHA-256 {batch.sha256[:12]}...) was imported in full on "
                       f"{batch.finished_at:%Y-%m-%d %H:%M} UTC; its rows are used as they are", err=True)
        else:
            if batch.done:
                click.echo(f"import {batch.id}: resuming after {batch.done} rows", err=True)
            batch = _run_with_progress(session, batch, actor)
    click.echo(f"import {batch.id}: {batch.total} rows, {batch.created} created, {batch.updated} updated, "
               f"{batch.unchanged} unchanged, {batch.rejected} rejected")
    if errors_path:
        with db.new_session() as session, open(errors_path, "w", newline="", encoding="utf-8") as out:
            engine.write_errors(engine.row_errors(session=session, batch_id=batch.id), out)
        click.echo(f"row errors: {errors_path} ({batch.rejected} rows)")
    elif batch.rejected:
        click.echo(f"row errors: GET {errors_url.format(batch.id)} (or --errors FILE)")
    return batch, again


def _run_with_progress(session, batch, actor):
    from berjasa.imports import engine

    with click.progressbar(length=batch.total, label=f"import {batch.id}", file=click.get_text_stream("stderr")
                           ) as bar:
        last = [0]

        def advance(current) -> None:
            bar.update(current.done - last[0])
            last[0] = current.done

        return engine.run(session=session, batch_id=batch.id, actor=actor, progress=advance)


def _run_checks_after(batch, *, again: bool) -> None:
    from berjasa.checks.service import after_import_finished

    with db.new_session() as session:
        runs = after_import_finished(session, batch.id, batch.kind, current_app.config, again=again)
    for run in runs:
        click.echo(f"check {run.check}: {run.found} found, {run.opened} opened, {run.reopened} reopened, "
                   f"{run.auto_resolved} resolved by data ({run.seconds:.2f} s)")


@click.group("checks", help="The cross-checks between Disnaker, BPJS and the hospitals.")
def checks_group() -> None:
    pass


@checks_group.command("run")
@click.option("--check", "names", multiple=True, help="A check to run (repeat; default: every check).")
def checks_run(names: tuple[str, ...]) -> None:
    """Run checks in full now and print what each found, opened, reopened and resolved by data."""
    from berjasa.checks.runner import run_checks
    from workflows.checks import BY_NAME, CHECKS

    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise click.BadParameter(f"unknown check(s) {', '.join(unknown)}; one of {', '.join(BY_NAME)}")
    ensure_schema(current_app)
    with db.new_session() as session:
        runs = run_checks(session, [c for c in CHECKS if not names or c.name in names], trigger="manual",
                          config=current_app.config)
    for run in runs:
        click.echo(f"check {run.check}: {run.status}, {run.found} found, {run.opened} opened, {run.reopened} "
                   f"reopened, {run.auto_resolved} resolved by data ({run.seconds:.2f} s)")


@click.group("db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    migrate.upgrade(db.engine)
    click.echo("database is at the latest revision")


@db_group.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    migrate.check(db.engine)
    click.echo("models match the migrations")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (developers)."""
    migrate.revision(db.engine, message)


@click.group("users", help="Users and their tokens.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in USER_ROLES]))
@click.option("--hospital", "hospital_code", help="hospital code, for hospital_staff")
@click.option("--username")
def users_create(role: str, hospital_code: str | None, username: str | None) -> None:
    """Create a user; the token is printed once, alone on the last line."""
    ensure_schema(current_app)
    with _friendly_errors(), db.new_session() as session:
        user, token = auth.create_user(
            session=session, role=Role(role), username=username, hospital_code=hospital_code
        )
    click.echo(f"created {user.role.value} {user.username}; the token below is shown only once", err=True)
    click.echo(token)


@users_group.command("token")
@click.argument("username")
def users_token(username: str) -> None:
    """Issue another token for a user; printed alone on the last line."""
    with _friendly_errors(), db.new_session() as session:
        click.echo(auth.issue_token(session=session, username=username))


@users_group.command("revoke")
@click.argument("username")
def users_revoke(username: str) -> None:
    """Revoke every token of a user."""
    with _friendly_errors(), db.new_session() as session:
        count = auth.revoke_tokens(session=session, username=username)
    click.echo(f"revoked {count} token(s) of {username}")


@users_group.command("password")
@click.argument("username")
@click.password_option(help="The new password (asked for twice when not given).")
def users_password(username: str, password: str) -> None:
    """Set a user's password for the web pages (it also lifts a lock-out)."""
    from berjasa.auth.signin import set_password

    ensure_schema(current_app)
    with _friendly_errors(), db.new_session() as session:
        set_password(session=session, username=username, password=password, config=current_app.config)
    click.echo(f"password of {username} set")


@click.group("demo", help="Demo data for trying Berjasa out.")
def demo_group() -> None:
    pass


@demo_group.command("seed")
def demo_seed() -> None:
    """Seed parties, kecamatan and one user per role; print `ROLE USERNAME TOKEN PASSWORD` lines."""
    print_demo_tokens(seed_demo())


@demo_group.command("dtsen")
@click.option("--rows", type=int, default=1000, show_default=True)
@click.option("--invalid-share", type=float, default=0.02, show_default=True)
@click.option("--duplicate-share", type=float, default=0.01, show_default=True)
@click.option("--seed", type=int)
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",", show_default=True)
@click.option("-o", "--output", type=click.File("w"), default="-", help="File to write (default: stdout).")
def demo_dtsen(rows: int, invalid_share: float, duplicate_share: float, seed: int | None, delimiter: str,
               output) -> None:
    """Write a realistic synthetic DTSEN CSV (valid NIKs across the 15 kecamatan, some bad rows)."""
    from berjasa.enrolment.dtsen_demo import generate

    output.writelines(generate(rows, invalid_share=invalid_share, duplicate_share=duplicate_share, seed=seed,
                               delimiter=delimiter))


@demo_group.command("bpjs-file")
@click.option("--discrepancy-share", type=float, default=0.01, show_default=True,
              help="Share of the rows given a realistic discrepancy.")
@click.option("--seed", type=int)
@click.option("-o", "--output", type=click.File("w"), default="-", help="File to write (default: stdout).")
def demo_bpjs_file(discrepancy_share: float, seed: int | None, output) -> None:
    """Write the BPJS membership file BPJS would send for the enrolments in the database, with a share of
    realistic discrepancies (printed by kind on stderr)."""
    from berjasa.bpjs.demo import generate

    ensure_schema(current_app)
    injected: dict[str, int] = {}
    with db.new_session() as session:
        output.writelines(generate(session, discrepancy_share=discrepancy_share, seed=seed, injected=injected))
    click.echo("injected: " + (", ".join(f"{k} {v}" for k, v in sorted(injected.items())) or "nothing"), err=True)


@demo_group.command("activate")
@click.option("--count", type=int, default=50, show_default=True)
def demo_activate(count: int) -> None:
    """Take up to COUNT submitted enrolments through verify and send_to_bpjs (as demo-caseworker) and activate
    (as demo-bpjs), each an audited transition; the ineligible are left as they are."""
    from berjasa.bpjs.demo import activate

    ensure_schema(current_app)
    with db.new_session() as session:
        done = activate(session, count=count, config=current_app.config)
    click.echo(f"activated {done} enrolment(s)")


@demo_group.command("tokens")
def demo_tokens() -> None:
    """Print the demo users' `ROLE USERNAME TOKEN PASSWORD` lines again."""
    from berjasa import demo

    print_demo_tokens(demo.tokens(secret_key=current_app.config["SECRET_KEY"]))


def seed_demo() -> list[tuple[str, str, str]]:
    from berjasa import demo

    ensure_schema(current_app)
    with db.new_session() as session:
        return demo.seed(session=session, secret_key=current_app.config["SECRET_KEY"])


def print_demo_tokens(lines: list[tuple[str, str, str]]) -> None:
    """One line per demo user: `ROLE USERNAME TOKEN PASSWORD` (the token for the API, the password for the pages)."""
    from berjasa import demo

    passwords = demo.passwords(secret_key=current_app.config["SECRET_KEY"])
    for role, username, token in lines:
        click.echo(f"{role} {username} {token} {passwords[username]}")


@contextlib.contextmanager
def _friendly_errors() -> Iterator[None]:
    """Turn a service error into one line on stderr and exit status 1."""
    try:
        yield
    except BerjasaError as exc:
        details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(exc.detail + (f" ({details})" if details else "")) from None
