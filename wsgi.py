"""The composition root for gunicorn: `gunicorn wsgi:app`."""

from berjasa import create_app

app = create_app()
