"""What a destructive command will do, worked out before anyone confirms it.

A destructive command is declared with a planner and an executor. The planner reads the
target's current state and returns a `Plan`: the concrete effects the confirmation card lists,
and the facts (`state`) the executor relies on. The router, not the command, stores the plan
as a pending action and asks for confirmation or approval; right before the executor runs, the
planner runs again and the action stops if `state` has changed (deleted, already blocked, now
protected).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from cards.reply import Reply

__all__ = [
    "ActionArgs",
    "Executor",
    "Plan",
    "Planner",
    "Protection",
    "json_state",
    "plan_changes",
    "plan_from_json",
    "plan_to_json",
]

Json = str | int | float | bool | None


class ActionArgs(BaseModel):
    """Options every destructive command takes; subclasses add the target and their own."""

    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")
    reason: str | None = Field(
        None, description="why, or the ticket number; kept in the audit log and shown to approvers"
    )


@dataclass(frozen=True)
class Protection:
    """Why a target is protected: destructive actions on it need an admin's approval."""

    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Plan:
    summary: str
    """One line: "Block sign-in for Lynne Robbins (lynne.robbins@contoso.com) in Contoso"."""
    effects: tuple[str, ...]
    """Each concrete change, in the order it will be made."""
    target: str
    """The resolved target as people read it (a UPN), for the card and the audit log."""
    target_id: str = ""
    """The target's object id: the executor acts on this, never on a re-resolved name."""
    state: Mapping[str, Json] = field(default_factory=dict)
    """The facts the plan rests on; a different value right before running stops the action."""
    protection: Protection = Protection()
    notes: tuple[str, ...] = ()
    """What the person confirming should know (tokens stay valid up to an hour, ...)."""


Planner = Callable[..., Awaitable[Plan]]
"""`async (ctx: CommandContext, args: <the spec's argument model>) -> Plan`."""

Executor = Callable[..., Awaitable["Reply"]]
"""`async (ctx: CommandContext, args, plan: Plan) -> Reply`: makes the change and checks it."""


def plan_changes(before: Plan, now: Plan) -> list[str]:
    """The state facts that differ between the confirmed plan and the plan made again now."""
    keys = sorted(set(before.state) | set(now.state))
    changed = [key for key in keys if before.state.get(key) != now.state.get(key)]
    if bool(before.protection) != bool(now.protection):
        changed.append("protection")
    return changed


def json_state(values: Mapping[str, Any]) -> dict[str, Json]:
    """`state` from plain values, refusing anything that does not survive JSON unchanged."""
    for key, value in values.items():
        if not isinstance(value, str | int | float | bool | type(None)):
            raise TypeError(f"plan state {key!r} must be a JSON scalar, got {type(value)}")
    return dict(values)


def plan_to_json(plan: Plan, *, private: bool) -> dict[str, Any]:
    """The plan as stored with its pending action; `private` says where it was asked for."""
    data = dataclasses.asdict(plan)
    data["private"] = private
    return data


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    protection = Protection(tuple((data.get("protection") or {}).get("reasons") or ()))
    return Plan(
        summary=str(data.get("summary", "")),
        effects=tuple(data.get("effects") or ()),
        target=str(data.get("target", "")),
        target_id=str(data.get("target_id", "")),
        state=dict(data.get("state") or {}),
        protection=protection,
        notes=tuple(data.get("notes") or ()),
    )
