"""A projection asked about cases that have no audit events yet (rows written in bulk, as bench/pages.py seeds
them) finds nothing for them, rather than failing."""

from berjasa.reports import projections


def test_enrolments_without_events_have_no_stays(session):
    with session.begin():
        assert projections.stay_signatures(session, "enrolment", [1, 2, 3]) == {}
