"""A period's figures of the discrepancy queue per check and party, read from the discrepancies' audit events: how
many were opened, reopened, resolved and dismissed in it, and how many were open (or acknowledged) at its end."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.discrepancies import scope
from berjasa.discrepancies.models import Discrepancy as D
from berjasa.events.models import CaseEvent as E
from berjasa.parties.service import party_codes
from workflows.checks import CHECKS
from workflows.discrepancy import OPEN_STATES

#: The triggers counted, as the figures' names.
COUNTED = {"create": "opened", "reopen": "reopened", "resolve": "resolved", "dismiss": "dismissed"}
FIGURES = ("opened", "reopened", "resolved", "dismissed", "open_at_end")
_OF_DISCREPANCY = sa.and_(E.case_type == "discrepancy", E.case_id == D.id)


def figures(session: Session, actor: Actor, start: datetime, end: datetime) -> dict[tuple[str, str], Counter]:
    """Per (check, party) the discrepancies the caller may see (the party a hospital's code when a hospital must
    act) counted over [start, end): FIGURES, in CHECKS order then party."""
    visible = scope.visible(actor)
    counts: dict[tuple[str, str | None, int | None], Counter] = {}
    changes = (sa.select(D.check, D.party, D.hospital_id, E.trigger, sa.func.count())
               .join(E, _OF_DISCREPANCY).where(E.created_at >= start, E.created_at < end,
                                               E.trigger.in_(sorted(COUNTED)))
               .group_by(D.check, D.party, D.hospital_id, E.trigger))
    for check, party, hospital_id, trigger, n in session.execute(visible.apply(changes, D)):
        counts.setdefault((check, party, hospital_id), Counter())[COUNTED[trigger]] += n
    last = (sa.select(E.case_id, sa.func.max(E.seq).label("seq"))
            .where(E.case_type == "discrepancy", E.created_at < end).group_by(E.case_id).subquery())
    still_open = (sa.select(D.check, D.party, D.hospital_id, sa.func.count())
                  .join(last, last.c.case_id == D.id)
                  .join(E, sa.and_(_OF_DISCREPANCY, E.seq == last.c.seq))
                  .where(E.to_state.in_(sorted(s.value for s in OPEN_STATES)))
                  .group_by(D.check, D.party, D.hospital_id))
    for check, party, hospital_id, n in session.execute(visible.apply(still_open, D)):
        counts.setdefault((check, party, hospital_id), Counter())["open_at_end"] += n
    codes = party_codes(session, {hospital_id for _, _, hospital_id in counts})
    shown: dict[tuple[str, str], Counter] = {}
    for (check, party, hospital_id), counter in counts.items():
        who = codes.get(hospital_id) if party == "hospital" and hospital_id else party
        shown.setdefault((check, who), Counter()).update(counter)
    order = {check.name: i for i, check in enumerate(CHECKS)}
    return dict(sorted(shown.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0])))
