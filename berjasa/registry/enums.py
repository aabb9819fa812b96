"""Closed value sets of the registry, shared by models, schemas and the DTSEN import."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    """Sex as recorded on the KTP (and encoded in the NIK: day + 40 for women)."""

    M = "M"
    F = "F"


class Cohort(StrEnum):
    """The groups whose premiums the city pays (DOMAIN.md "The programme")."""

    rt_rw = "rt_rw"
    non_asn = "non_asn"
    posyandu_kb_cadre = "posyandu_kb_cadre"
    religious_worker = "religious_worker"
    election_organiser = "election_organiser"
    informal = "informal"
