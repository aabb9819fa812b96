"""The roles a Berjasa user can hold."""

from enum import StrEnum


class Role(StrEnum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    BPJS_OFFICER = "bpjs_officer"
    HOSPITAL_STAFF = "hospital_staff"
    ADMIN = "admin"


#: Roles whose users belong to Disnaker, the city manpower office.
DISNAKER_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
