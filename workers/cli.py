"""`berjasa`: the console script. The app's own commands plus the process commands
(serve, worker, scheduler, ping), which are the only place that wires app and workers together."""

from __future__ import annotations

import copy
import os
import signal
import sys
import threading
import time
import uuid

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info, routes_command, shell_command

from berjasa import create_app, metrics
from berjasa.config import ConfigError
from berjasa.migrate import ensure_schema


def _make_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"berjasa: configuration error: {exc}", err=True)
        sys.exit(2)


cli = FlaskGroup(name="berjasa", create_app=_make_app, load_dotenv=False, set_debug_flag=False,
                 add_default_commands=False, add_version_option=False,
                 help="Berjasa: case management for Makassar Berjasa.")
cli = click.version_option(package_name="berjasa", prog_name="berjasa", message="%(prog)s %(version)s")(cli)
for _param in cli.params:
    if _param.name in ("env_file", "app", "debug"):  # Flask's own options: they work, but are not Berjasa's
        _param.hidden = True
for _command in (shell_command, routes_command):  # Flask's `shell` and `routes` stay at hand, unlisted
    _hidden = copy.copy(_command)
    _hidden.hidden = True
    cli.add_command(_hidden)


def main() -> None:
    cli.main(prog_name="berjasa")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Seed demo data and print the demo users' tokens.")
@click.option("--threads", type=int, help="Worker threads (default BERJASA_WORKER_THREADS).")
@pass_script_info
def serve(info: ScriptInfo, host: str, port: int, demo: bool, threads: int | None) -> None:
    """Run everything in one process: the API, worker threads and the scheduler (embedded mode)."""
    from werkzeug.serving import make_server

    from berjasa.cli import print_demo_tokens, seed_demo
    from workers import embedded

    app = info.load_app()
    if app.config["BROKER_URL"]:
        raise click.ClickException(
            "serve is the embedded mode; with BERJASA_BROKER_URL set run gunicorn 'wsgi:app', "
            "berjasa worker and berjasa scheduler"
        )
    ensure_schema(app)
    with app.app_context():
        if demo:
            print_demo_tokens(seed_demo())
            click.echo(
                f"try: curl -H 'Authorization: Bearer <caseworker token>' http://{host}:{port}/api/v1/me", err=True
            )
            click.echo(f"or open http://{host}:{port} and sign in as demo-caseworker with the password at the end "
                       "of its line", err=True)
    runtime = embedded.start(app, threads=threads)
    server = make_server(host, port, app, threaded=True)
    # serve_forever runs in this thread, so server.shutdown() (which waits for it) must run in another one.
    # Raising from the handler instead is unsafe: if the signal lands while a request is being accepted,
    # socketserver catches the exception, logs it and goes on serving.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    click.echo(f"Berjasa listening on http://{host}:{port} (docs: http://{host}:{port}/api/docs)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        runtime.stop()
        click.echo("Berjasa stopped", err=True)


@cli.command("worker")
@click.option("--processes", "-p", default=2, show_default=True, type=int)
@click.option("--threads", "-t", type=int, help="Threads per process (default BERJASA_WORKER_THREADS).")
@click.option("--prefetch", type=int, help="Messages held per queue and process (default: the threads).")
@pass_script_info
def worker(info: ScriptInfo, processes: int, threads: int | None, prefetch: int | None) -> None:
    """Run Dramatiq worker processes against Redis (production mode)."""
    app = info.load_app()
    _require_broker(app)
    threads = threads or app.config["WORKER_THREADS"]
    # Prefetch no more than the threads can take, so a crashed worker strands few messages.
    os.environ["dramatiq_queue_prefetch"] = str(prefetch or threads)
    # An idle or prefetch-saturated consumer backs off up to this many ms before it asks Redis again:
    # Dramatiq's 1,000 ms would put up to a second on the commit-to-handled latency.
    os.environ.setdefault("dramatiq_worker_timeout", "100")
    port = app.config["WORKER_METRICS_PORT"]
    if port:
        _worker_metrics_env(app.config["METRICS_HOST"], port)
    argv = [sys.executable, "-m", "dramatiq", "workers.worker" if port else "workers.actors", "--processes",
            str(processes), "--threads", str(threads), "--worker-shutdown-timeout", "30000"]
    os.execv(sys.executable, argv)


def _worker_metrics_env(host: str, port: int) -> None:
    """Dramatiq's Prometheus middleware and prometheus-client's multi-process mode read these when imported: the
    worker processes write their metrics to files in one directory (emptied now: files of an earlier run would
    add to this one's counts), and a forked process serves them on host:port."""
    import tempfile
    from pathlib import Path

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="berjasa-worker-metrics-")
    Path(directory).mkdir(parents=True, exist_ok=True)
    for stale in Path(directory).glob("*.db"):
        stale.unlink()
    os.environ.update(PROMETHEUS_MULTIPROC_DIR=directory, dramatiq_prom_db=directory, dramatiq_prom_host=host,
                      dramatiq_prom_port=str(port))


@cli.command("scheduler")
@click.option("--no-relay", is_flag=True, help="Only tick; leave the outbox to other scheduler processes.")
@pass_script_info
def scheduler(info: ScriptInfo, no_relay: bool) -> None:
    """Production: send `tick` every BERJASA_TICK_SECONDS and relay the outbox to Redis.

    Safe to run on several hosts: ticks claim timers with SKIP LOCKED, relays claim outbox rows the same way."""
    from apscheduler.schedulers.background import BackgroundScheduler

    app = info.load_app()
    _require_broker(app)
    from workers import relay

    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(_send_tick, "interval", seconds=app.config["TICK_SECONDS"], id="tick",
                  max_instances=1, coalesce=True, misfire_grace_time=None)
    sched.start()
    if app.config["SCHEDULER_METRICS_PORT"]:
        metrics.serve(app.config["METRICS_HOST"], app.config["SCHEDULER_METRICS_PORT"])
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    click.echo(f"scheduler: tick every {app.config['TICK_SECONDS']}s, relay {'off' if no_relay else 'on'}", err=True)
    try:
        if no_relay:
            stopping.wait()
        else:
            relay.run(app, stopping, _redis_nudge_wait(app, stopping))
    except KeyboardInterrupt:
        pass
    finally:
        sched.shutdown(wait=False)


def _send_tick() -> None:
    from workers import actors

    actors.tick.send()
    metrics.TICKS_SENT.inc()


def _redis_nudge_wait(app: Flask, stopping):
    """Wait for the API's after-commit nudge (BLPOP) or the poll interval, whichever comes first."""
    from redis import Redis
    from redis.exceptions import RedisError

    from berjasa.events.outbox import nudge_key

    client = Redis.from_url(app.config["BROKER_URL"], socket_connect_timeout=5, socket_timeout=30)
    key = nudge_key(app.config["BROKER_NAMESPACE"])

    def wait(timeout: float) -> None:
        try:
            client.blpop([key], timeout=max(1, int(timeout)))
        except RedisError:
            stopping.wait(timeout)

    return wait


@cli.command("ping")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for a worker.")
@pass_script_info
def ping(info: ScriptInfo, timeout: float) -> None:
    """Check that a worker handles messages: through Redis to `berjasa worker` (production), or through the
    database's outbox to the worker threads of the running `berjasa serve` (embedded)."""
    from berjasa.db import db
    from berjasa.system.service import find_ping, request_ping
    from workers import actors

    app = info.load_app()
    ensure_schema(app)
    nonce = uuid.uuid4().hex
    started = time.perf_counter()
    with app.app_context():
        if app.config["BROKER_URL"]:
            actors.ping.send(nonce)
        else:
            # The embedded worker lives inside `berjasa serve`: ask it through the shared database, and never
            # start a worker here (it would take over every unfinished event of the server's).
            with db.new_session() as session:
                request_ping(session=session, nonce=nonce)
        while time.perf_counter() - started < timeout:
            with db.new_session() as session:
                record = find_ping(session=session, nonce=nonce)
            if record is not None:
                elapsed = (time.perf_counter() - started) * 1000
                click.echo(f"pong from {record.handled_by} in {elapsed:.0f} ms")
                return
            time.sleep(0.05)
    if app.config["BROKER_URL"]:
        raise click.ClickException(f"no worker handled the ping within {timeout:g}s")
    raise click.ClickException(f"no worker handled the ping within {timeout:g}s: in the embedded mode the worker "
                               "runs inside `berjasa serve`; is it running on this database?")


def _require_broker(app: Flask) -> None:
    if not app.config["BROKER_URL"]:
        raise click.ClickException(
            "BERJASA_BROKER_URL is not set: in the embedded mode `berjasa serve` runs the workers and the scheduler"
        )


__all__ = ["cli", "current_app", "main"]


if __name__ == "__main__":
    main()
