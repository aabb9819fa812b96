"""Each party's work: the caseworker's worklist, BPJS's queues, and everyone's notifications."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, redirect, request, url_for

from berjasa.claims import service as claims
from berjasa.claims.responses import claim_responses
from berjasa.db import db, utcnow
from berjasa.discrepancies import service as discrepancies
from berjasa.discrepancies.responses import discrepancy_response
from berjasa.notifications import inbox
from berjasa.notifications.responses import notification_response
from berjasa.pagination import PageArgs
from berjasa.sla import service as sla
from berjasa.sla.clocks import CLOCK_FIELDS
from berjasa.sla.responses import clock_responses
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.discrepancy import OPEN_STATES
from workflows.roles import USER_ROLES, Role
from workflows.sla import Clock

#: The party whose clocks a role's worklist shows (what that party answers for).
PARTY_OF = {Role.CASEWORKER: "disnaker", Role.SUPERVISOR: "disnaker", Role.ADMIN: "disnaker",
            Role.BPJS_OFFICER: "bpjs", Role.HOSPITAL_STAFF: "hospital"}
SHOWN = 20


@blp.get("/worklist")
@page(Role.CASEWORKER)
def worklist():
    """My overdue and due-soon clocks (those Disnaker answers for), my unread notifications, and the discrepancies
    Disnaker must set right that are still open."""
    party = PARTY_OF[g.actor.role]
    soon = utcnow() + timedelta(days=current_app.config["DIGEST_DUE_SOON_DAYS"])
    overdue = sla.list_clocks(session=db.session, actor=g.actor, page=1, per_page=SHOWN, party=party, overdue=True)
    due_soon = sla.list_clocks(session=db.session, actor=g.actor, page=1, per_page=SHOWN, party=party,
                               state="running", due_before=soon, soonest_first=True)
    unread, count, _read, language = inbox.listing(session=db.session, actor=g.actor, page=1, per_page=SHOWN,
                                                   unread=True)
    found, clocks = discrepancies.list_discrepancies(session=db.session, actor=g.actor, page=1, per_page=SHOWN,
                                                     party=party, states=OPEN_STATES)
    return render("work/worklist.html", overdue=_clocks(overdue), due_soon=_clocks(due_soon),
                  notifications=[notification_response(n, language, False) for n in unread.items], unread=count,
                  discrepancies={"items": [discrepancy_response(db.session, d, g.actor, clocks.get(d.id, []))
                                           for d in found.items], "total": found.total}, party=party)


def _clocks(found):
    rows = found.items
    shown = clock_responses(db.session, [Clock(**{name: getattr(r, name) for name in CLOCK_FIELDS}) for r in rows])
    items = [clock | {"case_type": r.case_type, "case_id": r.case_id} for clock, r in zip(shown, rows, strict=True)]
    return {"items": items, "total": found.total}


@blp.get("/queues")
@page(Role.BPJS_OFFICER)
def queues():
    """The verification queue and the payment queue, the claim due first at the top of each."""
    shown = {}
    for queue in claims.QUEUES:
        found, clocks = claims.claim_queue(session=db.session, actor=g.actor, queue=queue, page=1, per_page=SHOWN)
        shown[queue] = {"items": claim_responses(db.session, g.actor, found.items, clocks), "total": found.total,
                        "policy": claims.QUEUES[queue][0]}
    return render("work/queues.html", queues=shown)


@blp.get("/notifications")
@page(*USER_ROLES)
def notifications():
    args, _form = common.filters(PageArgs, [])
    found, unread, read, language = inbox.listing(session=db.session, actor=g.actor, **args)
    items = [notification_response(n, language, n.id in read) for n in found.items]
    return render("work/notifications.html", notifications=items, unread=unread, paging=common.pages(found))


@blp.post("/notifications/<id:notification_id>/read")
@page(*USER_ROLES)
def read_notification(notification_id: int):
    notification, _unread, _language = inbox.mark_read(session=db.session, actor=g.actor,
                                                       notification_id=notification_id)
    if request.form.get("open"):
        return redirect(_page_of(notification.case_type, notification.case_id))
    return redirect(url_for("web.notifications"))


@blp.post("/notifications/read-all")
@page(*USER_ROLES)
def read_all_notifications():
    inbox.mark_all_read(session=db.session, actor=g.actor)
    return redirect(url_for("web.notifications"))


def _page_of(case_type: str | None, case_id: int | None) -> str:
    if case_type == "claim" and case_id:
        return url_for("web.claim", claim_id=case_id)
    if case_type == "enrolment" and case_id:
        return url_for("web.enrolment", enrolment_id=case_id)
    return url_for("web.notifications")
