"""The optional automatic lapse (BERJASA_CHECK_ARREARS_LAPSE): an enrolment in arrears at BPJS for the lapse rule's
months is lapsed by the system, through the enrolment's own write path, from the first month not paid."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.checks.findings import Finding
from berjasa.enrolment.models import Enrolment
from berjasa.enrolment.triggers import TRIGGERS
from berjasa.errors import BerjasaError
from berjasa.time import today_wita
from berjasa.transaction import unit_of_work

log = logging.getLogger("berjasa.checks")
SYSTEM = Actor.system("checks")


def lapse_in_arrears(session: Session, findings: Sequence[Finding], config: Mapping[str, Any]) -> int:
    """Fire `lapse` as the system on each enrolment an arrears finding names (each its own transaction); one that
    the workflow refuses is logged and left to the people. Return how many lapsed."""
    lapsed = 0
    for finding in findings:
        paid_until: date | None = finding.extra.get("paid_until")
        effective = _month_after(paid_until) if paid_until else today_wita()
        months = finding.evidence["bpjs"]["values"]["arrears_months"]
        try:
            with unit_of_work(session):
                enrolment = cases.lock_case(session, Enrolment, int(finding.subject_key))
                cases.transition_case(session, enrolment, actor=SYSTEM, trigger="lapse",
                                      expected_version=enrolment.version, triggers=TRIGGERS, config=config,
                                      data={"reason": f"{months} months in arrears at BPJS (check arrears)",
                                            "effective_date": effective.isoformat()})
            lapsed += 1
        except BerjasaError as exc:
            log.warning("enrolment %s in arrears was not lapsed: %s", finding.subject_key, exc.detail)
    return lapsed


def _month_after(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)
