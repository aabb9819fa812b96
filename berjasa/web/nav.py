"""The navigation: one table of the pages each role reaches, and each role's main page. A page that another issue
brings is a row here with `ready=False` until then: it shows a page that says so."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from berjasa.claims import views as claims
from berjasa.enrolment import views as enrolments
from berjasa.registry import views as registry
from workflows import discrepancy
from workflows.roles import USER_ROLES, Role

CASEWORKER, SUPERVISOR, BPJS, HOSPITAL, ADMIN = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER,
                                                 Role.HOSPITAL_STAFF, Role.ADMIN)


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: object  # a lazy string: translated when shown
    roles: tuple[Role, ...]
    ready: bool = True


NAV: tuple[Entry, ...] = (
    Entry("web.worklist", _l("Worklist"), (CASEWORKER,)),
    Entry("web.queues", _l("Queues"), (BPJS,)),
    Entry("web.breaches", _l("Breaches"), (SUPERVISOR, CASEWORKER, ADMIN)),
    Entry("web.claims", _l("Claims"), claims.READERS),
    Entry("web.enrolments", _l("Enrolments"), enrolments.READERS),
    Entry("web.participants", _l("Participants"), registry.READERS),
    Entry("web.imports_page", _l("Imports"), (CASEWORKER, BPJS, ADMIN)),
    Entry("web.discrepancies", _l("Discrepancies"), discrepancy.WORKERS),
    Entry("web.scorecards", _l("Scorecards"), (SUPERVISOR,)),
    Entry("web.reports", _l("Reports"), (SUPERVISOR, CASEWORKER, ADMIN)),
    Entry("web.audit_check", _l("Audit check"), (SUPERVISOR,)),
    Entry("web.notifications", _l("Notifications"), USER_ROLES),
)
#: Where each role lands after signing in.
HOME = {CASEWORKER: "web.worklist", BPJS: "web.queues", HOSPITAL: "web.claims", SUPERVISOR: "web.breaches",
        ADMIN: "web.claims"}


def entries(role: Role) -> list[Entry]:
    return [entry for entry in NAV if role in entry.roles]
