"""Audit verifications: `berjasa audit verify` run in the background on a supervisor's request."""
