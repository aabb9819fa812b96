"""The floor for bench/api.py: a Flask app that does a claim transition's database round trips by hand.

No ORM, no validation, no audit chain, no relay nudge: BEGIN, the token, the locked row, one guard read,
UPDATE, the event INSERT, the outbox INSERT, COMMIT, on one psycopg connection per thread. What this reaches
through the same gunicorn on the same machine is about as far as Flask and psycopg go; the real service
cannot be faster. Served by `gunicorn floor_app:app` with FLOOR_URL set (bench/api.py does it)."""

from __future__ import annotations

import json
import os
import threading
import uuid

import psycopg
from flask import Flask, jsonify, request

TABLES = """
DROP TABLE IF EXISTS floor_users, floor_cases, floor_cover, floor_events, floor_outbox;
CREATE TABLE floor_users (id serial PRIMARY KEY, token_hash text UNIQUE, role text);
INSERT INTO floor_users (token_hash, role) VALUES ('Bearer floor', 'bpjs_officer');
CREATE TABLE floor_cases (id int PRIMARY KEY, version int, state text, data jsonb);
INSERT INTO floor_cases SELECT g, 1, 'reported', '{}' FROM generate_series(1, 5000) g;
CREATE TABLE floor_cover (id serial PRIMARY KEY, participant int);
CREATE INDEX ON floor_cover (participant);
INSERT INTO floor_cover (participant) SELECT g FROM generate_series(1, 5000) g;
CREATE TABLE floor_events (id bigserial PRIMARY KEY, case_id int, seq int, data jsonb);
CREATE TABLE floor_outbox (id bigserial PRIMARY KEY, event_id text, payload jsonb);
"""
DROP = "DROP TABLE IF EXISTS floor_users, floor_cases, floor_cover, floor_events, floor_outbox"

app = Flask(__name__)
local = threading.local()


def connection() -> psycopg.Connection:
    if getattr(local, "connection", None) is None:
        local.connection = psycopg.connect(os.environ["FLOOR_URL"])
    return local.connection


@app.post("/cases/<int:case_id>/transitions")
def transition(case_id: int):
    body = request.get_json()
    data = json.dumps(body)
    conn = connection()
    with conn.transaction():
        cur = conn.cursor()
        if cur.execute("SELECT id, role FROM floor_users WHERE token_hash = %s",
                       (request.headers.get("Authorization"),)).fetchone() is None:
            return jsonify({"detail": "unknown token"}), 401
        version = cur.execute("SELECT version FROM floor_cases WHERE id = %s FOR UPDATE", (case_id,)).fetchone()[0]
        cur.execute("SELECT count(*) FROM floor_cover WHERE participant = %s", (case_id,)).fetchone()
        cur.execute("UPDATE floor_cases SET version = version + 1, state = %s, data = %s WHERE id = %s",
                    (body["trigger"], data, case_id))
        cur.execute("INSERT INTO floor_events (case_id, seq, data) VALUES (%s, %s, %s) RETURNING id",
                    (case_id, version + 1, data)).fetchone()
        cur.execute("INSERT INTO floor_outbox (event_id, payload) VALUES (%s, %s)", (uuid.uuid4().hex, data))
    return jsonify({"id": case_id, "version": version + 1, "state": body["trigger"], "data": body["data"]})
