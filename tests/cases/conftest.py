from berjasa.auth.service import Actor
from workflows.roles import Role


def actor(role: Role, username: str | None = None, party: str = "DISNAKER-MKS") -> Actor:
    return Actor(None, username or role.value, role, None, "disnaker", party)


CASEWORKER = actor(Role.CASEWORKER)
SUPERVISOR = actor(Role.SUPERVISOR)
BPJS = actor(Role.BPJS_OFFICER, party="BPJSTK-SULAMA")
