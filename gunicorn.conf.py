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
