"""Liveness, readiness and the ping that proves the broker round trip."""
