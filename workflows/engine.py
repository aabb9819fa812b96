"""The workflow engine: a workflow is data (states, transitions, guards), run on one shared
`transitions.Machine` per workflow. Pure: no I/O, nothing of Berjasa's.

Firing a trigger is two calls. `candidates()` answers the questions that need only the state and the
caller (is there such a trigger, may it fire from here, may this role fire it) and raises a coded refusal
otherwise; `choose()` runs the guards of those rows on the case, the validated data and the facts the
service looked up, and returns the one row that fires (or the first guard's refusal). `fire()` then moves
the case along exactly that row. `decide()` is the two together, for callers that have data and facts at
hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from transitions import Machine, MachineError

from workflows.roles import Role

#: A guard reads the case, the transition's validated data and the workflow's typed facts object; it returns
#: None when the transition may go ahead, or the reason it may not.
Guard = Callable[[Any, Mapping[str, Any], Any], str | None]


def case_guard(guard: Guard) -> Guard:
    """Mark a guard that reads only the case: `allowed_triggers` runs it, so a caller is not offered a
    trigger that would be refused whatever data came with it."""
    guard.case_only = True  # type: ignore[attr-defined]
    return guard


@dataclass(frozen=True)
class NoFacts:
    """The facts of a workflow whose guards need nothing looked up."""


class WorkflowError(Exception):
    """A trigger that cannot fire; `code` tells which rule stopped it."""

    code = "workflow_error"

    def __init__(self, message: str, *, trigger: str, state: str) -> None:
        super().__init__(message)
        self.trigger = trigger
        self.state = state


class UnknownTrigger(WorkflowError):
    code = "unknown_trigger"


class NotAllowedFromState(WorkflowError):
    code = "not_allowed_from_state"


class RoleNotAllowed(WorkflowError):
    code = "role_not_allowed"


class GuardFailed(WorkflowError):
    code = "guard_failed"

    def __init__(self, message: str, *, trigger: str, state: str, guard: str, reason: str) -> None:
        super().__init__(message, trigger=trigger, state=state)
        self.guard = guard
        self.reason = reason


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: tuple[StrEnum, ...]
    dest: StrEnum
    roles: frozenset[Role]
    guards: tuple[str, ...] = ()
    #: The row's own name on the shared machine (`trigger#n`), so that firing it needs no second choice.
    key: str = ""


def transition(
    trigger: str,
    source: StrEnum | Iterable[StrEnum],
    dest: StrEnum,
    roles: Iterable[Role],
    *,
    guards: Iterable[str] = (),
) -> Transition:
    """One row of a transition table; `source` may be one state or several."""
    sources = (source,) if isinstance(source, StrEnum) else tuple(source)
    return Transition(trigger, sources, dest, frozenset(roles), tuple(guards))


@dataclass
class Workflow:
    name: str
    states: type[StrEnum]
    initial: StrEnum
    transitions: list[Transition]
    guards: Mapping[str, Guard] = field(default_factory=dict)
    #: The type of the facts object the guards read (a frozen dataclass of the workflow's module).
    facts: type = NoFacts
    #: States where the case's work has ended (its open SLA clocks are cancelled when it gets there).
    final: frozenset[StrEnum] = frozenset()
    description: str = ""

    def __post_init__(self) -> None:
        self._check_definition()
        self.transitions = [_keyed(row, i) for i, row in enumerate(self.transitions)]
        self.triggers = frozenset(t.trigger for t in self.transitions)
        self._rows: dict[tuple[StrEnum, str], list[Transition]] = {}
        for row in self.transitions:
            for state in row.source:
                self._rows.setdefault((state, row.trigger), []).append(row)
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=self.initial,
            transitions=[{"trigger": t.key, "source": list(t.source), "dest": t.dest} for t in self.transitions],
            auto_transitions=False,
            name=self.name,
        )

    def _check_definition(self) -> None:
        for row in self.transitions:
            unknown = [g for g in row.guards if g not in self.guards]
            if unknown:
                raise ValueError(f"{self.name}.{row.trigger}: no guard named {', '.join(unknown)}")
            for state in (*row.source, row.dest):
                if state not in self.states:
                    raise ValueError(f"{self.name}.{row.trigger}: {state!r} is not a state of {self.name}")

    def candidates(self, state: StrEnum | str, trigger: str, role: Role) -> list[Transition]:
        """The rows this role may fire from this state, in table order; raises the first rule that stops it."""
        state = self.states(state)
        if trigger not in self.triggers:
            raise UnknownTrigger(f"{self.name} has no trigger {trigger!r}", trigger=trigger, state=state)
        from_here = self._rows.get((state, trigger))
        if not from_here:
            raise NotAllowedFromState(
                f"{trigger!r} is not allowed from state {state.value!r}", trigger=trigger, state=state
            )
        mine = [t for t in from_here if role in t.roles]
        if not mine:
            allowed = sorted({r.value for t in from_here for r in t.roles})
            raise RoleNotAllowed(
                f"role {role.value!r} may not {trigger!r} from {state.value!r}; allowed: {', '.join(allowed)}",
                trigger=trigger, state=state,
            )
        return mine

    def choose(self, candidates: list[Transition], case: Any, data: Mapping[str, Any], facts: Any) -> Transition:
        """The row that fires: the first candidate whose guards all pass; else the first guard's refusal."""
        failure: tuple[str, str] | None = None
        for row in candidates:
            refused = self._refusal(row, case, data, facts)
            if refused is None:
                return row
            failure = failure or refused
        assert failure is not None, "choose() needs at least one candidate"
        guard, reason = failure
        raise GuardFailed(f"{candidates[0].trigger!r} refused: {reason}", trigger=candidates[0].trigger,
                          state=self.states(case.state), guard=guard, reason=reason)

    def decide(
        self, case: Any, trigger: str, role: Role, data: Mapping[str, Any] | None = None, facts: Any = None,
    ) -> Transition:
        """The one row that `trigger` fires for `role` on `case`, or a coded refusal (WorkflowError)."""
        return self.choose(self.candidates(case.state, trigger, role), case, data or {},
                           self.facts() if facts is None else facts)

    def fire(self, case: Any, row: Transition) -> None:
        """Move `case.state` along exactly this row, on the workflow's shared machine."""
        case.state = self.next_state(case.state, row)

    def next_state(self, state: StrEnum, row: Transition) -> StrEnum:
        """The state this row leads to from `state`, as the shared machine moves it (which refuses a row that
        does not start at `state`). The case itself is not touched: the caller writes the result."""
        moving = _Moving(state)
        try:
            self.machine.events[row.key].trigger(moving)
        except MachineError:
            raise NotAllowedFromState(f"{row.trigger!r} is not allowed from state {state.value!r}",
                                      trigger=row.trigger, state=state) from None
        return moving.state

    def _refusal(self, row: Transition, case: Any, data: Mapping[str, Any], facts: Any) -> tuple[str, str] | None:
        for name in row.guards:
            reason = self.guards[name](case, data, facts)
            if reason is not None:
                return name, reason
        return None

    def allowed_triggers(self, case: Any, role: Role) -> list[str]:
        """Triggers this role may fire from the case's state now: guards that read only the case are run
        (those that need data or facts cannot be, and are assumed to pass)."""
        state = self.states(case.state)
        allowed = set()
        for row in self.transitions:
            if state in row.source and role in row.roles and row.trigger not in allowed and all(
                    not getattr(self.guards[g], "case_only", False) or self.guards[g](case, {}, None) is None
                    for g in row.guards):
                allowed.add(row.trigger)
        return sorted(allowed)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "states": [s.value for s in self.states],
            "initial": self.initial.value,
            "transitions": [
                {
                    "trigger": t.trigger,
                    "sources": [s.value for s in t.source],
                    "dest": t.dest.value,
                    "roles": sorted(r.value for r in t.roles),
                    "guards": list(t.guards),
                }
                for t in self.transitions
            ],
        }

    def diagram(self) -> str:
        """A mermaid stateDiagram-v2, drawn by transitions' diagram extension from the same table."""
        from transitions.extensions import GraphMachine

        graph_machine = GraphMachine(
            model=None, states=list(self.states), initial=self.initial, auto_transitions=False,
            transitions=[{"trigger": t.trigger, "source": list(t.source), "dest": t.dest} for t in self.transitions],
            graph_engine="mermaid", title=self.name, show_state_attributes=False,
        )
        source = graph_machine.graph_cls(graph_machine).get_graph(title=self.name).source
        # Keep the structure; the extension's colour classes are for highlighting a live model.
        lines = [line for line in source.splitlines() if not line.strip().startswith(("classDef ", "Class "))]
        return "\n".join(line for line in lines if line.strip()) + "\n"


class _Moving:
    """What the shared machine moves: a state and nothing else."""

    __slots__ = ("state",)

    def __init__(self, state: StrEnum) -> None:
        self.state = state


def _keyed(row: Transition, index: int) -> Transition:
    return Transition(row.trigger, row.source, row.dest, row.roles, row.guards, f"{row.trigger}#{index}")
