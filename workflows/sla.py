"""SLA policies and the clock engine. Pure: the write path, the tick and `berjasa sla rebuild` all ask it.

A policy says which transitions start a clock and from which instant, which stop it (met), in which case states
it is paused, how long it runs (wall-clock hours or days, working days, years), when to warn before the due time,
when to escalate after it, who is responsible while it runs, and its legal source. A clock is a run of a policy
on one case. `on_event` turns a case's transition into changes of its clocks; `attention` says what a clock
needs at a given moment (a warning, a breach, an escalation)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from workflows.calendar import DAY, Calendar

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|wd|y)\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Duration:
    """`48h`, `30d` (wall clock), `14wd` (working days), `5y` (calendar years), `90s`, `15m`."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a duration such as 48h, 30d, 14wd, 5y or 90s")
        return cls(int(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def working(self) -> bool:
        return self.unit == "wd"

    @property
    def seconds(self) -> float:
        """Its length in its own measure: wall seconds, or seconds of working time (a working day is 24 h)."""
        if self.unit == "y":
            raise ValueError("years have no fixed length; use after() / before()")
        return self.amount * (DAY if self.unit == "wd" else UNIT_SECONDS[self.unit])

    def after(self, moment: datetime, calendar: Calendar, cuti_bersama_off: bool = True) -> datetime:
        if self.unit == "y":
            return years_after(moment, self.amount)
        if self.working:
            return calendar.add_working(moment, self.seconds, cuti_bersama_off=cuti_bersama_off)
        return moment + timedelta(seconds=self.seconds)

    def before(self, moment: datetime, calendar: Calendar, cuti_bersama_off: bool = True) -> datetime:
        if self.unit == "y":
            return years_after(moment, -self.amount)
        if self.working:
            return calendar.subtract_working(moment, self.seconds, cuti_bersama_off=cuti_bersama_off)
        return moment - timedelta(seconds=self.seconds)


def years_after(moment: datetime, years: int) -> datetime:
    """The same day `years` later (28 Feb for a 29 Feb that the other year lacks)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


@dataclass(frozen=True)
class Start:
    """A clock starts on `on` ("created" or a trigger) from the instant `at`: "transition" (when it was fired),
    a field of the case ("accident_at") or of the transition's data ("data.doctor_statement_at")."""

    on: str
    at: str = "transition"


@dataclass(frozen=True)
class Policy:
    name: str
    case_type: str
    starts: tuple[Start, ...]
    stops: frozenset[str]  # triggers that meet a running clock ("created" for the report itself)
    duration: Duration
    # who answers for it: "disnaker", "bpjs", "hospital" (the treating hospital, resolved from the case) or "case"
    # (the party the case itself names: a discrepancy's responsible party)
    party: str
    source: str  # the legal source, or "Berjasa policy" where no regulation sets it
    warn_before: Duration | None = None
    escalate_after: Duration | None = None
    paused_in: frozenset[str] = frozenset()  # case states in which the clock stands still
    restarts_on: frozenset[str] = frozenset()  # triggers that meet the current run and start the next one
    cuti_bersama_off: bool = True  # for working-day clocks: whether cuti bersama days are days off
    description: str = ""

    def due(self, running_since: datetime, used: float, calendar: Calendar) -> datetime:
        """When it falls due if it runs from `running_since` with `used` of its measure already spent."""
        if self.duration.unit == "y":
            return self.duration.after(running_since, calendar)
        left = max(0.0, self.duration.seconds - used)
        if self.duration.working:
            return calendar.add_working(running_since, left, cuti_bersama_off=self.cuti_bersama_off)
        return running_since + timedelta(seconds=left)

    def spent(self, start: datetime, end: datetime, calendar: Calendar) -> float:
        """The policy's measure of time between two instants (working time for working-day clocks)."""
        if self.duration.working:
            return calendar.working_seconds(start, end, cuti_bersama_off=self.cuti_bersama_off)
        return max(0.0, (end - start).total_seconds())

    def warn_at(self, due: datetime, calendar: Calendar) -> datetime | None:
        return self.warn_before.before(due, calendar, self.cuti_bersama_off) if self.warn_before else None

    def escalate_at(self, due: datetime, calendar: Calendar) -> datetime | None:
        return self.escalate_after.after(due, calendar, self.cuti_bersama_off) if self.escalate_after else None


OPEN = frozenset({"running", "paused", "breached"})


@dataclass(frozen=True)
class Clock:
    """A run of a policy on a case, as the engine sees it. `breached` clocks still run: lateness is known when
    they stop. Times are aware; `used` is the time spent before `running_since`, in the policy's measure."""

    policy: str
    run: int
    state: str  # running | paused | breached | met | cancelled
    party: str
    hospital_id: int | None
    started_at: datetime
    running_since: datetime | None
    used: float
    due_at: datetime | None
    warn_at: datetime | None
    escalate_at: datetime | None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    escalated_at: datetime | None = None
    stopped_at: datetime | None = None
    lateness: float | None = None  # when it stopped late: by how much, in the policy's measure (seconds)
    calendar_version: int = 0
    id: int | None = None  # the row's id, once stored

    @property
    def open(self) -> bool:
        return self.state in OPEN


@dataclass(frozen=True)
class Transitioned:
    """What happened to a case: the trigger ("created" for its creation), the states, when, and its data."""

    trigger: str
    from_state: str | None
    to_state: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseAt:
    """What the engine reads of a case: its type, its fields (accident_at ...) and its treating hospital."""

    case_type: str
    fields: Mapping[str, Any]
    hospital_id: int | None
    final_states: frozenset[str]
    party: str | None = None  # the party the case names, for policies whose party is "case"


@dataclass(frozen=True)
class Attention:
    warn: bool = False
    breach: bool = False
    escalate: bool = False


def on_event(policies: Iterable[Policy], calendar: Calendar, clocks: Sequence[Clock], case: CaseAt,
             event: Transitioned) -> list[Clock]:
    """The case's clocks after `event`: changed ones replaced, new runs appended. Order of work: what fell due
    before the event is recorded; runs that this trigger restarts or stops are met; new runs start (evaluated at
    once, so a clock that started in the past is warned or breached already); a stop on the same event meets them
    too; clocks pause or resume with the state; hospital clocks follow the treating hospital; entering a final
    state cancels what is left open."""
    mine = [p for p in policies if p.case_type == case.case_type]
    by_name = {p.name: p for p in mine}
    # first what fell due before this moment, whether or not a tick has seen it yet: a clock stopped after its due
    # time was breached, and is met late
    result = [evaluate(c, event.at, by_name[c.policy], calendar) if c.policy in by_name else c for c in clocks]
    for policy in mine:
        if event.trigger in policy.stops or event.trigger in policy.restarts_on:
            result = [_stopped(c, policy, calendar, event.at, "met") if c.policy == policy.name and c.open else c
                      for c in result]
    for policy in mine:
        start = next((s for s in policy.starts if s.on == event.trigger), None)
        restart = event.trigger in policy.restarts_on
        if (start or restart) and not any(c.policy == policy.name and c.open for c in result):
            began = _instant(start or Start(event.trigger), case, event)
            runs = [c.run for c in result if c.policy == policy.name]
            clock = _started(policy, calendar, case, began, max(runs, default=0) + 1)
            clock = evaluate(clock, event.at, policy, calendar)
            if event.trigger in policy.stops and start is not None:
                clock = _stopped(clock, policy, calendar, event.at, "met")
            result.append(clock)
    result = [_with_state(c, by_name.get(c.policy), calendar, event) for c in result]
    if event.to_state in case.final_states:
        result = [_stopped(c, by_name.get(c.policy), calendar, event.at, "cancelled") if c.open else c
                  for c in result]
    return [_handed_over(c, by_name.get(c.policy), case.hospital_id) for c in result]


def evaluate(clock: Clock, now: datetime, policy: Policy, calendar: Calendar) -> Clock:
    """The clock with what is due by `now` recorded: the warning, the breach (and then when it escalates), the
    escalation. The recorded times are when each fell due (the facts), not when they were noticed."""
    if not clock.open or clock.state == "paused":
        return clock
    seen = attention(clock, now)
    if seen.warn:
        clock = replace(clock, warned_at=clock.warn_at)
    if seen.breach:
        clock = replace(clock, breached_at=clock.due_at, state="breached",
                        warned_at=clock.warned_at or clock.warn_at,
                        escalate_at=policy.escalate_at(clock.due_at, calendar))
        if attention(clock, now).escalate:
            clock = replace(clock, escalated_at=clock.escalate_at)
    elif seen.escalate:
        clock = replace(clock, escalated_at=clock.escalate_at)
    return clock


def attention(clock: Clock, now: datetime) -> Attention:
    """What a running clock needs at `now`: a warning, a breach, an escalation (each once). The escalation's
    time is known once the clock has breached."""
    if clock.state not in ("running", "breached"):
        return Attention()
    due = clock.due_at is not None and clock.due_at <= now
    return Attention(
        warn=clock.warn_at is not None and clock.warned_at is None and clock.warn_at <= now and not due,
        breach=due and clock.breached_at is None,
        escalate=(clock.breached_at is not None and clock.escalate_at is not None and clock.escalated_at is None
                  and clock.escalate_at <= now),
    )


def next_attention(clock: Clock) -> datetime | None:
    """The next moment the tick must look at this clock: its warning, its due time or its escalation."""
    if clock.state not in ("running", "breached"):
        return None
    if clock.breached_at is None:
        if clock.warn_at is not None and clock.warned_at is None and clock.warn_at < clock.due_at:
            return clock.warn_at
        return clock.due_at
    if clock.escalate_at is not None and clock.escalated_at is None:
        return clock.escalate_at
    return None


def rescheduled(clock: Clock, policy: Policy, calendar: Calendar) -> Clock:
    """A running clock's due time and warning computed again (after a calendar or policy change); a breached
    clock's escalation likewise. A warning already given stays given."""
    if clock.state == "running" and clock.running_since is not None:
        due = policy.due(clock.running_since, clock.used, calendar)
        return replace(clock, due_at=due, warn_at=policy.warn_at(due, calendar),
                       calendar_version=_version(policy, calendar))
    if clock.state == "breached" and clock.escalated_at is None:
        return replace(clock, escalate_at=policy.escalate_at(clock.due_at, calendar))
    return clock


def _instant(start: Start, case: CaseAt, event: Transitioned) -> datetime:
    if start.at == "transition":
        return event.at
    if start.at.startswith("data."):
        value = event.data.get(start.at[5:])
    else:
        value = case.fields.get(start.at)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value or event.at


def _started(policy: Policy, calendar: Calendar, case: CaseAt, began: datetime, run: int) -> Clock:
    due = policy.due(began, 0.0, calendar)
    party = (case.party or "disnaker") if policy.party == "case" else policy.party
    return Clock(policy.name, run, "running", party, case.hospital_id if party == "hospital" else None,
                 began, began, 0.0, due, policy.warn_at(due, calendar), None,
                 calendar_version=_version(policy, calendar))


def _version(policy: Policy, calendar: Calendar) -> int:
    """The calendar version a clock's due and warning rest on (0 for a wall-clock policy, which reads none)."""
    uses = policy.duration.working or (policy.warn_before is not None and policy.warn_before.working)
    return calendar.version if uses else 0


def _stopped(clock: Clock, policy: Policy | None, calendar: Calendar, at: datetime, state: str) -> Clock:
    """Met or cancelled at `at`; a clock met after breaching records by how much it was late."""
    used = clock.used
    if clock.running_since is not None and policy is not None:
        used += policy.spent(clock.running_since, at, calendar)
    late = None
    if state == "met" and clock.breached_at is not None and policy is not None:
        late = (at - clock.due_at).total_seconds() if policy.duration.unit == "y" else used - policy.duration.seconds
    return replace(clock, state=state, stopped_at=at, used=used, running_since=None, lateness=late)


def _with_state(clock: Clock, policy: Policy | None, calendar: Calendar, event: Transitioned) -> Clock:
    """Pause a running clock when the case enters a state it stands still in; resume it when the case leaves."""
    if policy is None or not clock.open or not policy.paused_in:
        return clock
    standing = event.to_state in policy.paused_in
    if standing and clock.state != "paused":
        used = clock.used + policy.spent(clock.running_since, event.at, calendar)
        return replace(clock, state="paused", used=used, running_since=None)
    if not standing and clock.state == "paused":
        if clock.breached_at is not None:  # late already: it runs on from where it stood, its due time kept
            return replace(clock, state="breached", running_since=event.at)
        due = policy.due(event.at, clock.used, calendar)
        resumed = replace(clock, state="running", running_since=event.at, due_at=due,
                          warn_at=policy.warn_at(due, calendar), warned_at=None,
                          calendar_version=_version(policy, calendar))
        return evaluate(resumed, event.at, policy, calendar)
    return clock


def _handed_over(clock: Clock, policy: Policy | None, hospital_id: int | None) -> Clock:
    """A referral moves the treating hospital's running clocks to the receiving hospital."""
    if policy is None or clock.party != "hospital" or not clock.open or clock.hospital_id == hospital_id:
        return clock
    return replace(clock, hospital_id=hospital_id)
