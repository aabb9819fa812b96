from datetime import UTC, datetime
from types import SimpleNamespace

import marshmallow as ma
import pytest

from berjasa.cases.schemas import CaseEventSchema, TransitionRequestSchema


def test_a_transition_request_needs_a_trigger_and_a_whole_expected_version():
    loaded = TransitionRequestSchema().load({"trigger": "verify", "expected_version": 3})
    assert loaded == {"trigger": "verify", "expected_version": 3, "data": {}, "reason": None}
    with pytest.raises(ma.ValidationError) as info:
        TransitionRequestSchema().load({"expected_version": "3", "data": [], "state": "paid"})
    assert info.value.messages == {
        "trigger": ["Missing data for required field."],
        "expected_version": ["Not a valid integer."],
        "data": ["Not a valid mapping type."],
        "state": ["Unknown field."],  # a client never sets the state itself
    }


def test_history_entries_show_times_in_wita():
    event = SimpleNamespace(seq=2, trigger="verify", from_state="reported", to_state="verified", actor="demo-bpjs",
                            role="bpjs_officer", party="BPJSTK-SULAMA", reason=None, data={},
                            created_at=datetime(2026, 3, 1, 2, 30, tzinfo=UTC), hash="ab" * 32)
    dumped = CaseEventSchema().dump(event)
    assert dumped["at"] == "2026-03-01T10:30:00+08:00"
    assert dumped["from_state"] == "reported" and dumped["to_state"] == "verified"
