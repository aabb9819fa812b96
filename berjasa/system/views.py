from flask import Blueprint, current_app, jsonify

from berjasa.db import db
from berjasa.errors import problem
from berjasa.system.service import check_broker, check_database

blp = Blueprint("system", __name__)


@blp.get("/healthz")
def healthz():
    """The process lives; checks nothing else."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    """Ready when the database and the broker answer; 503 naming what does not."""
    failures = [
        reason for reason in (check_database(db.session), check_broker(current_app.config["BROKER_URL"])) if reason
    ]
    if failures:
        return problem(503, "Not ready", "; ".join(failures), slug="dependency-down", extra={"checks": failures})
    mode = "production" if current_app.config["BROKER_URL"] else "embedded"
    return jsonify(status="ready", database="ok", broker="ok", mode=mode)
