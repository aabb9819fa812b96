"""Enrolment cases and the DTSEN bulk import."""
