"""The floor for bench/api.py: a Flask app that makes the service's round trips for the same requests by hand.

It serves the benchmark's mix on Berjasa's own tables (the same rows, indexes and constraints): report a claim,
admit, verify, complete_treatment, submit_documents, and GET a claim, each with the statements the service
sends (BEGIN, the token, the locked claim with the person's name, the facts a trigger needs, the hospital tie,
the UPDATE, the audit event, the SLA clocks read, started and stopped, the outbox row, COMMIT, and the
throttled Redis nudge; FLOOR_SLA=0 leaves the clocks out, as a service with no SLA policies does), written as SQL on one
psycopg connection per thread. It validates nothing and computes no hash chain: what it reaches through the
same gunicorn on the same machine is about as far as Flask and psycopg go, and the service cannot be faster.
Served by `gunicorn floor_app:app` with FLOOR_URL and FLOOR_REDIS set (bench/api.py does it)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from flask import Flask, jsonify, request
from redis import Redis

app = Flask(__name__)
local = threading.local()
nudged = [0.0]
LOCK = ("SELECT c.*, (SELECT p.name FROM participants p WHERE p.id = c.participant_id) AS participant_name "
        "FROM claims c WHERE c.id = %s FOR UPDATE OF c")
EVENT = ("INSERT INTO case_events (case_type, case_id, seq, trigger, from_state, to_state, actor_user_id, actor, "
         "role, party, data, created_at, prev_hash, hash) VALUES ('claim', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
         "%s, %s, %s)")
OUTBOX = ("INSERT INTO outbox (event_id, event_type, case_type, case_id, case_version, payload, created_at) "
          "VALUES (%s, %s, 'claim', %s, %s, %s, %s)")
TIE = ("INSERT INTO claim_hospitals (claim_id, hospital_id, relation, since) VALUES (%s, %s, %s, %s) "
       "ON CONFLICT (claim_id, hospital_id) DO UPDATE SET relation = excluded.relation")
NEXT_STATE = {"admit": "hospital_care", "verify": "verified", "complete_treatment": "treatment_completed",
              "submit_documents": "under_review"}
SLA = os.environ.get("FLOOR_SLA", "1") == "1"  # the service's SLA clocks: read, stopped and started like it does
CLOCKS = ("SELECT policy, run, state, party, hospital_id, started_at, running_since, used, due_at, warn_at, "
          "escalate_at, warned_at, breached_at, escalated_at, stopped_at, lateness, calendar_version, id "
          "FROM clocks WHERE case_type = 'claim' AND case_id = %s ORDER BY policy, run")
START = ("INSERT INTO clocks (case_type, case_id, policy, run, state, party, hospital_id, started_at, running_since, "
         "used, due_at, warn_at, next_at, calendar_version) VALUES ")
START_ROW = "('claim', %s, %s, 1, %s, %s, NULL, %s, %s, 0, %s, %s, %s, 0)"
STOP = ("UPDATE clocks SET policy = %s, run = %s, state = 'met', party = %s, hospital_id = NULL, started_at = %s, "
        "running_since = NULL, used = %s, due_at = %s, warn_at = %s, escalate_at = NULL, next_at = NULL, "
        "warned_at = NULL, breached_at = NULL, escalated_at = NULL, stopped_at = %s, lateness = NULL, "
        "calendar_version = 0 WHERE id = %s")
# what each step of the mix starts and stops (the defaults of workflows/policies.py)
STARTS = {"created": [("claim.stage1_report", "met", 48), ("claim.bpjs_decision", "running", 720),
                      ("claim.expiry", "running", 43800)],
          "admit": [("claim.hospital_update", "running", 168)], "complete_treatment": [("claim.stage2_report",
                                                                                        "running", 48)],
          "submit_documents": [("claim.payment", "running", 168)]}
STOPS = {"verify": "claim.bpjs_decision", "complete_treatment": "claim.hospital_update",
         "submit_documents": "claim.stage2_report"}


def connection() -> psycopg.Connection:
    if getattr(local, "connection", None) is None:
        local.connection = psycopg.connect(os.environ["FLOOR_URL"])
        local.redis = Redis.from_url(os.environ["FLOOR_REDIS"]) if os.environ.get("FLOOR_REDIS") else None
    return local.connection


def actor(cur) -> tuple | None:
    token_hash = hashlib.sha256(request.headers.get("Authorization", "").partition(" ")[2].encode()).hexdigest()
    return cur.execute(
        "SELECT u.id, u.username, u.role, p.id, p.kind, p.code FROM users u JOIN api_tokens t ON t.user_id = u.id "
        "JOIN parties p ON p.id = u.party_id WHERE t.token_hash = %s AND t.revoked_at IS NULL",
        (token_hash,)).fetchone()


def nudge() -> None:
    now = time.monotonic()
    # the service's RedisNudge: at most once per half gather window
    if local.redis is not None and now - nudged[0] >= 0.01:
        pipe = local.redis.pipeline(transaction=False)
        pipe.lpush("floor:nudge", 1)
        pipe.ltrim("floor:nudge", 0, 0)
        pipe.execute()
        nudged[0] = now


def record(cur, claim_id: int, seq: int, trigger: str, from_state: str | None, to_state: str, who: tuple,
           data: dict) -> None:
    now = datetime.now(UTC)
    cur.execute(EVENT, (claim_id, seq, trigger, from_state, to_state, who[0], who[1], who[2], who[5],
                        json.dumps(data), now, "0" * 64, uuid.uuid4().hex * 2))
    cur.execute(OUTBOX, (uuid.uuid4().hex, f"claim.{trigger}", claim_id, seq,
                         json.dumps({"from": from_state, "to": to_state, "actor": who[1]}), now))


@app.post("/api/v1/claims")
def report():
    body = request.get_json()
    conn = connection()
    with conn.transaction():
        cur = conn.cursor()
        who = actor(cur)
        person = cur.execute("SELECT id, name FROM participants WHERE nik = %s", (body["nik"],)).fetchone()
        accident = datetime.fromisoformat(body["accident_at"])
        cur.execute("SELECT EXISTS (SELECT 1 FROM claims WHERE nik = %s AND state IN ('reported', 'verified', "
                    "'hospital_care', 'treatment_completed', 'under_review', 'awaiting_documents', 'approved', "
                    "'paid') AND accident_at BETWEEN %s AND %s)",
                    (body["nik"], accident - timedelta(days=1), accident + timedelta(days=1))).fetchone()
        now = datetime.now(UTC)
        claim_id = cur.execute(
            "INSERT INTO claims (state, version, created_at, updated_at, nik, participant_id, accident_at, place, "
            "accident_type, chronology, injury, reporter_name, reporter_phone, reported_by, reporting_party_id, "
            "late_stage1_report, participant_unknown, possible_duplicate, verified, referred, care) VALUES "
            "('reported', 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, false, false, false, false, false, "
            "'{}') RETURNING id",
            (now, now, body["nik"], person[0], accident, body["place"], body["accident_type"], body["chronology"],
             body["injury"], body["reporter_name"], body["reporter_phone"], who[1], who[3])).fetchone()[0]
        cur.execute("UPDATE claims SET last_event_hash = %s WHERE id = %s", (uuid.uuid4().hex * 2, claim_id))
        record(cur, claim_id, 1, "create", None, "reported", who, {"nik_known": True})
        start_clocks(cur, claim_id, "created", now)
        cur.execute(TIE, (claim_id, who[3], "reported", now))
    nudge()
    return jsonify({"id": claim_id, "version": 1, "state": "reported", **body}), 201


@app.post("/api/v1/claims/<int:claim_id>/transitions")
def transition(claim_id: int):
    body = request.get_json()
    trigger, data = body["trigger"], body["data"]
    conn = connection()
    with conn.transaction():
        cur = conn.cursor()
        who = actor(cur)
        claim = cur.execute(LOCK, (claim_id,)).fetchone()
        names = [column.name for column in cur.description]
        claim = dict(zip(names, claim, strict=True))
        version, state = claim["version"], claim["state"]
        changes = ""
        if trigger == "admit":
            hospital = cur.execute(
                "SELECT p.id, EXISTS (SELECT 1 FROM plkk_agreements a WHERE a.hospital_id = p.id AND a.valid_from "
                "<= %s AND (a.valid_to IS NULL OR a.valid_to >= %s)) FROM parties p WHERE p.kind = 'hospital' AND "
                "p.code = %s", (datetime.now(UTC).date(), datetime.now(UTC).date(), data["hospital"])).fetchone()
            cur.execute(TIE, (claim_id, hospital[0], "treating", datetime.now(UTC)))
            changes = f", hospital_id = {int(hospital[0])}, care = '{{}}'"
        elif trigger == "verify":
            cur.execute("SELECT programmes, start_date, end_date, enrolment_id FROM coverage_periods WHERE "
                        "participant_id = %s AND start_date <= %s AND (end_date IS NULL OR end_date >= %s) ORDER BY "
                        "start_date DESC LIMIT 1", (claim["participant_id"], datetime.now(UTC).date(),
                                                      datetime.now(UTC).date())).fetchone()
            changes = ", verified = true"
        to_state = NEXT_STATE[trigger]
        cur.execute(f"UPDATE claims SET state = %s, version = %s, updated_at = %s, last_event_hash = %s{changes} "
                    "WHERE id = %s", (to_state, version + 1, datetime.now(UTC), uuid.uuid4().hex * 2, claim_id))
        record(cur, claim_id, version + 1, trigger, state, to_state, who, data)
        if SLA:
            move_clocks(cur, claim_id, trigger)
    nudge()
    return jsonify({"id": claim_id, "version": version + 1, "state": to_state, "data": data})


def start_clocks(cur, claim_id: int, trigger: str, now: datetime) -> None:
    started = STARTS.get(trigger, []) if SLA else []
    if started:
        values = []
        for policy, state, hours in started:
            due = now + timedelta(hours=hours)
            values += [claim_id, policy, state, "bpjs", now, now, due, due - timedelta(hours=12), due]
        cur.execute(START + ", ".join([START_ROW] * len(started)) + " RETURNING id", values).fetchall()


def move_clocks(cur, claim_id: int, trigger: str) -> None:
    now = datetime.now(UTC)
    clocks = cur.execute(CLOCKS, (claim_id,)).fetchall()
    start_clocks(cur, claim_id, trigger, now)
    stopped = [c for c in clocks if c[0] == STOPS.get(trigger) and c[2] == "running"]
    if stopped:
        cur.executemany(STOP, [(c[0], c[1], c[3], c[5], 3600.0, c[8], c[9], now, c[17]) for c in stopped])


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/api/v1/claims/<int:claim_id>")
def read(claim_id: int):
    conn = connection()
    conn.autocommit = True
    try:
        cur = conn.cursor()
        actor(cur)
        row = cur.execute(LOCK.replace(" FOR UPDATE OF c", ""), (claim_id,)).fetchone()
        names = [column.name for column in cur.description]
        clocks = cur.execute(CLOCKS, (claim_id,)).fetchall() if SLA else []
    finally:
        conn.autocommit = False
    shown = {name: (value.isoformat() if hasattr(value, "isoformat") else value)
             for name, value in zip(names, row, strict=True)}
    shown["clocks"] = [{"policy": c[0], "state": c[2], "due_at": c[8].isoformat()} for c in clocks]
    return jsonify(shown)
