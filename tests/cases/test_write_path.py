"""The write path on SQLite and PostgreSQL: state, version, audit event and outbox move together."""

import pytest
import sqlalchemy as sa

from berjasa.cases.service import Scope
from berjasa.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from berjasa.events import audit
from berjasa.events.models import CaseEvent, OutboxEvent
from berjasa.transaction import mark_read_only, unit_of_work
from tests.cases.conftest import BPJS, CASEWORKER, SUPERVISOR
from tests.cases.sample import SampleCase, fire, open_case
from workflows.sample import SampleState


def rows(session, model, **filters):
    with session.begin():
        return session.scalars(sa.select(model).filter_by(**filters).order_by(model.id)).all()


def test_a_case_moves_with_its_audit_events_and_outbox_rows(session):
    case_id = open_case(session, CASEWORKER).id
    fire(session, case_id, CASEWORKER, "submit", 1)
    fire(session, case_id, BPJS, "comment", 2, data={"note": "KPJ checked"}, reason="membership")
    done = fire(session, case_id, SUPERVISOR, "approve", 3, data={"amount": 1_500_000})

    assert (done.state, done.version) == (SampleState.approved, 4)
    events = rows(session, CaseEvent, case_type="sample", case_id=case_id)
    assert [(e.seq, e.trigger, e.from_state, e.to_state, e.actor, e.role) for e in events] == [
        (1, "create", None, "open", "caseworker", "caseworker"),
        (2, "submit", "open", "in_review", "caseworker", "caseworker"),
        (3, "comment", "in_review", "in_review", "bpjs_officer", "bpjs_officer"),
        (4, "approve", "in_review", "approved", "supervisor", "supervisor"),
    ]
    assert events[2].data == {"note": "KPJ checked"} and events[2].reason == "membership"
    assert events[2].party == "BPJSTK-SULAMA"
    assert events[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]

    outbox = rows(session, OutboxEvent, case_type="sample", case_id=case_id)
    assert [(o.event_type, o.case_version) for o in outbox] == [
        ("sample.created", 1), ("sample.submit", 2), ("sample.comment", 3), ("sample.approve", 4)]
    assert outbox[3].payload == {"from": "in_review", "to": "approved", "actor": "supervisor"}
    assert all(o.published_at is None for o in outbox)


def test_a_rolled_back_transaction_leaves_no_event_and_no_outbox_row(session):
    case_id = open_case(session, CASEWORKER).id
    with pytest.raises(RuntimeError), unit_of_work(session):
        from berjasa.cases.service import lock_case, transition_case
        from tests.cases.sample import TRIGGERS

        transition_case(session, lock_case(session, SampleCase, case_id), actor=CASEWORKER, trigger="submit",
                        expected_version=1, triggers=TRIGGERS)
        raise RuntimeError("the request failed after the transition")
    with session.begin():
        assert session.get(SampleCase, case_id).state is SampleState.open
    assert len(rows(session, CaseEvent, case_id=case_id)) == 1
    assert [o.event_type for o in rows(session, OutboxEvent, case_id=case_id)] == ["sample.created"]


def test_a_stale_version_is_refused_with_the_current_state(session):
    case_id = open_case(session, CASEWORKER).id
    fire(session, case_id, CASEWORKER, "submit", 1)
    with pytest.raises(StaleVersion) as info:
        fire(session, case_id, SUPERVISOR, "reject", 1, data={"note": "late"})
    assert info.value.extra == {"state": "in_review", "version": 2}
    assert len(rows(session, CaseEvent, case_id=case_id)) == 2


@pytest.mark.parametrize(
    ("state_triggers", "actor", "trigger", "data", "error", "fields"),
    [
        ([], CASEWORKER, "approve", {"amount": 1}, InvalidTransition, {"code": "not_allowed_from_state"}),
        ([], CASEWORKER, "fly", {}, InvalidTransition, {"code": "unknown_trigger"}),
        (["submit"], CASEWORKER, "approve", {"amount": 1}, Forbidden, {}),
        (["submit"], SUPERVISOR, "approve", {"amount": 99_000_000}, InvalidTransition,
         {"code": "guard_failed", "guard": "amount_within_limit"}),
        (["submit"], SUPERVISOR, "approve", {"amount": "lots"}, ValidationFailed, {}),
        (["submit"], SUPERVISOR, "reopen", {"note": "x"}, InvalidTransition, {"code": "not_allowed_from_state"}),
    ],
)
def test_refusals_change_nothing(session, state_triggers, actor, trigger, data, error, fields):
    case_id = open_case(session, CASEWORKER).id
    version = 1
    for step in state_triggers:
        fire(session, case_id, CASEWORKER, step, version)
        version += 1
    before = len(rows(session, CaseEvent, case_id=case_id))
    with pytest.raises(error) as info:
        fire(session, case_id, actor, trigger, version, data=data)
    for key, value in fields.items():
        assert info.value.extra[key] == value
    if error is ValidationFailed:
        assert info.value.errors == {"data.amount": ["Not a valid integer."]}
    with session.begin():
        assert session.get(SampleCase, case_id).version == version
    assert len(rows(session, CaseEvent, case_id=case_id)) == before


def test_a_guard_failure_names_the_reason(session):
    case_id = open_case(session, CASEWORKER, title="").id
    with pytest.raises(InvalidTransition) as info:
        fire(session, case_id, CASEWORKER, "submit", 1)
    assert info.value.extra["reason"] == "the case has no title"
    assert info.value.extra["state"] == "open"


def test_scope_hides_other_cases(session):
    mine = open_case(session, CASEWORKER, hospital_id=1).id
    theirs = open_case(session, CASEWORKER, hospital_id=2).id

    scope = Scope("hospital", lambda model: model.hospital_id == sa.bindparam("hospital"), {"hospital": 1})
    assert fire(session, mine, CASEWORKER, "submit", 1, scope=scope).state is SampleState.in_review
    with pytest.raises(NotFound):
        fire(session, theirs, CASEWORKER, "submit", 1, scope=scope)


def test_the_audit_chain_verifies(session):
    for _ in range(3):
        case_id = open_case(session, CASEWORKER).id
        fire(session, case_id, CASEWORKER, "submit", 1)
    with session.begin():
        result = audit.verify(session)
    assert (result.events, result.cases, result.first_break) == (6, 3, None)


def test_case_events_refuse_updates(session):
    open_case(session, CASEWORKER)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), session.begin():
        session.execute(sa.update(CaseEvent).values(reason="rewritten"))


def test_the_case_row_carries_the_head_of_its_chain(session):
    case_id = open_case(session, CASEWORKER).id
    fire(session, case_id, CASEWORKER, "submit", 1)
    events = rows(session, CaseEvent, case_type="sample", case_id=case_id)
    with session.begin():
        assert session.get(SampleCase, case_id).last_event_hash == events[-1].hash
        # a row written before the head was kept (or by a bulk import): the head is unknown
        session.execute(sa.update(SampleCase).where(SampleCase.id == case_id).values(last_event_hash=None))
    session.expire_all()
    fire(session, case_id, BPJS, "comment", 2, data={"note": "read from the events"})
    fire(session, case_id, SUPERVISOR, "approve", 3, data={"amount": 1})

    events = rows(session, CaseEvent, case_type="sample", case_id=case_id)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    with session.begin():
        assert session.get(SampleCase, case_id).last_event_hash == events[-1].hash
        assert audit.verify(session).first_break is None


def test_a_write_carries_on_the_read_before_it_and_sees_the_latest_row(session, engine_app):
    """A request reads (its caller's token) and then writes in the same session: the lock refreshes a copy of
    the case read earlier, so a change committed in between is seen, not overwritten."""
    from berjasa.db import db

    case_id = open_case(session, CASEWORKER).id
    session.execute(sa.select(SampleCase).where(SampleCase.id == case_id)).scalar_one()  # the read opens it
    mark_read_only(session)  # as the token look-up does
    assert session.in_transaction()
    with db.new_session() as other:
        fire(other, case_id, CASEWORKER, "submit", 1)

    with pytest.raises(StaleVersion) as stale:
        fire(session, case_id, CASEWORKER, "submit", 1)
    assert stale.value.extra == {"state": "in_review", "version": 2}
    done = fire(session, case_id, BPJS, "comment", 2, data={"note": "after the other writer"})
    assert (done.version, session.in_transaction()) == (3, False)
    assert [e.seq for e in rows(session, CaseEvent, case_type="sample", case_id=case_id)] == [1, 2, 3]


@pytest.mark.parametrize("read_first", [False, True])
def test_a_commit_that_fails_rolls_back_and_leaves_the_session_usable(session, read_first):
    case_id = open_case(session, CASEWORKER).id
    if read_first:
        session.execute(sa.select(SampleCase.id)).all()
        mark_read_only(session)
    with pytest.raises(sa.exc.IntegrityError), unit_of_work(session):
        case = session.get(SampleCase, case_id)
        case.title = "changed"
        session.add(CaseEvent(case_type="sample", case_id=case_id, seq=1, trigger="x", to_state="open",
                              actor="x", role="caseworker", data={}, prev_hash="0", hash="0"))  # seq 1 exists
    with session.begin():
        assert session.get(SampleCase, case_id).title == "Fall from scaffolding"
    assert fire(session, case_id, CASEWORKER, "submit", 1).version == 2
