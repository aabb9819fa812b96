"""gunicorn settings for the production API; gunicorn reads ./gunicorn.conf.py on its own.

`gunicorn wsgi:app` from the repository root uses them; GUNICORN_CMD_ARGS or the command line
override any of them (e.g. `--bind 0.0.0.0:8000`)."""

import os

bind = os.environ.get("BERJASA_BIND", "127.0.0.1:8000")
# A request is mostly Python work between short database waits: about two processes per core, each with
# a few threads to cover those waits. More threads per process only queue on the interpreter lock.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"
threads = int(os.environ.get("BERJASA_THREADS", 4))
keepalive = 30
timeout = 60
graceful_timeout = 30
accesslog = None  # the app writes its own access line (request id, status, duration) with masking

# Metrics (prometheus-client's multi-process mode): every gunicorn worker writes its counters to files in one
# directory, which GET /metrics adds up. It must be set before the app (and prometheus_client) is imported, which
# happens in the workers after this file runs. A directory of our own is made unless one is given; files of an
# earlier run are removed at start, and a dead worker's gauges are dropped.
_made_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_metrics_dir:
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="berjasa-api-metrics-")


def on_starting(server):
    from pathlib import Path

    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _made_metrics_dir:
        import shutil

        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
