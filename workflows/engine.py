"""The workflow engine: a workflow is data (states, transitions, guards), run on one shared
`transitions.Machine` per workflow. Pure: no I/O, nothing of Berjasa's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from transitions import Machine

from workflows.roles import Role

#: A guard reads the case, the transition's data and facts the service looked up; it returns
#: None when the transition may go ahead, or the reason it may not.
Guard = Callable[[Any, Mapping[str, Any], Mapping[str, Any]], str | None]


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
    schema: str | None = None


def transition(
    trigger: str,
    source: StrEnum | Iterable[StrEnum],
    dest: StrEnum,
    roles: Iterable[Role],
    *,
    guards: Iterable[str] = (),
    schema: str | None = None,
) -> Transition:
    """One row of a transition table; `source` may be one state or several."""
    sources = (source,) if isinstance(source, StrEnum) else tuple(source)
    return Transition(trigger, sources, dest, frozenset(roles), tuple(guards), schema)


@dataclass
class Workflow:
    name: str
    states: type[StrEnum]
    initial: StrEnum
    transitions: list[Transition]
    guards: Mapping[str, Guard] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        self._check_definition()
        self.triggers = frozenset(t.trigger for t in self.transitions)
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=self.initial,
            transitions=[self._machine_row(t) for t in self.transitions],
            auto_transitions=False,
            send_event=True,
            name=self.name,
        )

    @staticmethod
    def _machine_row(row: Transition) -> dict[str, Any]:
        # The engine picks the row (role and guards, with reasons); the machine then takes exactly that one.
        return {
            "trigger": row.trigger,
            "source": list(row.source),
            "dest": row.dest,
            "conditions": lambda event, row=row: event.kwargs["row"] is row,
        }

    def _check_definition(self) -> None:
        for row in self.transitions:
            unknown = [g for g in row.guards if g not in self.guards]
            if unknown:
                raise ValueError(f"{self.name}.{row.trigger}: no guard named {', '.join(unknown)}")
            for state in (*row.source, row.dest):
                if state not in self.states:
                    raise ValueError(f"{self.name}.{row.trigger}: {state!r} is not a state of {self.name}")

    def candidates(self, state: StrEnum, trigger: str, role: Role) -> list[Transition]:
        """Rows this role may fire from this state; raises the first rule that stops it."""
        state = self.states(state)
        if trigger not in self.triggers:
            raise UnknownTrigger(f"{self.name} has no trigger {trigger!r}", trigger=trigger, state=state)
        from_here = [t for t in self.transitions if t.trigger == trigger and state in t.source]
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

    def choose(
        self, case: Any, trigger: str, role: Role, data: Mapping[str, Any] | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> Transition:
        """The row that fires: the first candidate whose guards all pass; else the first guard's reason."""
        data, facts = data or {}, facts or {}
        failure: GuardFailed | None = None
        for row in self.candidates(case.state, trigger, role):
            reason = self._failed_guard(row, case, data, facts)
            if reason is None:
                return row
            failure = failure or GuardFailed(
                f"{trigger!r} refused: {reason[1]}", trigger=trigger, state=case.state, guard=reason[0],
                reason=reason[1],
            )
        assert failure is not None
        raise failure

    def _failed_guard(self, row: Transition, case: Any, data: Mapping[str, Any], facts: Mapping[str, Any]):
        for name in row.guards:
            reason = self.guards[name](case, data, facts)
            if reason is not None:
                return name, reason
        return None

    def fire(
        self, case: Any, trigger: str, role: Role, data: Mapping[str, Any] | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> Transition:
        """Move `case.state` along the chosen row on the shared machine; return the row."""
        row = self.choose(case, trigger, role, data, facts)
        self.machine.events[trigger].trigger(case, row=row)
        return row

    def allowed_triggers(self, case: Any, role: Role) -> list[str]:
        """Triggers this role may fire from the case's state (guards, which need data, are not run)."""
        state = self.states(case.state)
        return sorted({t.trigger for t in self.transitions if state in t.source and role in t.roles})

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
                    "schema": t.schema,
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
