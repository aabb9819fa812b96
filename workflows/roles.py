"""The roles a Berjasa user can hold, and the system's own."""

from enum import StrEnum


class Role(StrEnum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    BPJS_OFFICER = "bpjs_officer"
    HOSPITAL_STAFF = "hospital_staff"
    ADMIN = "admin"
    #: Background work (timers, cross-checks) acting on its own; never a user's role.
    SYSTEM = "system"


#: Roles a user account may have.
USER_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)

#: Roles whose users belong to Disnaker, the city manpower office.
DISNAKER_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
