"""The user a destructive command acts on: found once by the planner, read back by the executor.

A UPN or object id is read directly; a fragment must match exactly one user, or the planner
stops and lists the matches (a destructive command never guesses). Guests are refused: their
account, sign-in and password belong to their home organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commands.kit.context import CommandContext
from commands.kit.formatting import first_few
from commands.kit.plan import Json, Plan, json_state
from commands.queries.people import find_candidates, is_direct_key, no_user
from commands.queries.protection import protection_of
from core.errors import RemoteNotFound, UserError
from integrations.graph import user_path

__all__ = ["TARGET_FIELDS", "Target", "find_target", "read_target", "user_plan"]

TARGET_FIELDS = (
    "id",
    "displayName",
    "userPrincipalName",
    "accountEnabled",
    "onPremisesSyncEnabled",
    "userType",
    "lastPasswordChangeDateTime",
)
_LISTED = 5
_SEARCHED = 10  # find_candidates asks for one more than this, to tell "more than ten"


@dataclass(frozen=True)
class Target:
    id: str
    display_name: str
    upn: str
    enabled: bool
    synced: bool
    guest: bool
    password_changed: str

    @classmethod
    def from_graph(cls, body: Mapping[str, Any]) -> Target:
        return cls(
            id=str(body.get("id") or ""),
            display_name=str(body.get("displayName") or body.get("userPrincipalName") or ""),
            upn=str(body.get("userPrincipalName") or ""),
            enabled=body.get("accountEnabled") is not False,
            synced=body.get("onPremisesSyncEnabled") is True,
            guest=body.get("userType") == "Guest",
            password_changed=str(body.get("lastPasswordChangeDateTime") or ""),
        )

    @property
    def label(self) -> str:
        """ "Lynne Robbins (lynne.robbins@contoso.com)"."""
        return f"{self.display_name} ({self.upn})"

    def state(self, **extra: Json) -> dict[str, Json]:
        """The facts every action's plan rests on, plus the action's own."""
        return json_state(
            {
                "userPrincipalName": self.upn,
                "accountEnabled": self.enabled,
                "onPremisesSyncEnabled": self.synced,
                "userType": "Guest" if self.guest else "Member",
                **extra,
            }
        )


async def find_target(ctx: CommandContext, query: str) -> Target:
    """The one user `query` names; guests and several matches are refused."""
    text = query.strip()
    tenant = ctx.current_tenant.display_name
    target: Target | None = None
    if is_direct_key(text):
        try:
            target = await read_target(ctx, text)
        except RemoteNotFound:
            target = None
    if target is None:
        candidates = await find_candidates(ctx.graph, text)
        if not candidates:
            raise await no_user(ctx.graph, text, tenant)
        if len(candidates) > 1:
            labels = [f"{c.display_name} ({c.upn})" for c in candidates]
            count = f"More than {_SEARCHED}" if len(candidates) > _SEARCHED else len(candidates)
            raise UserError(
                f"{count} users in {tenant} match {text!r}: "
                f"{first_few(labels, _LISTED)}. Run the command again with the UPN of the one "
                "you mean."
            )
        target = await read_target(ctx, candidates[0].id)
    if target.guest:
        raise UserError(
            f"{target.label} is a guest from another organisation: its sign-in and password "
            "belong to its home organisation, and Deskhand does not change guest accounts. "
            f"Remove the guest's access to {tenant} in the Microsoft Entra admin center."
        )
    return target


async def read_target(ctx: CommandContext, key: str) -> Target:
    """The user as Graph has it now (for the executor's check of its own change)."""
    return Target.from_graph(await ctx.graph.get(user_path(key), select=TARGET_FIELDS))


async def user_plan(
    ctx: CommandContext,
    target: Target,
    *,
    summary: str,
    effects: tuple[str, ...],
    notes: tuple[str, ...] = (),
    **state: Json,
) -> Plan:
    """The plan of an action on one user: its target, the state it rests on (plus `state`)
    and whether the user is protected."""
    return Plan(
        summary=summary,
        effects=effects,
        target=target.upn,
        target_id=target.id,
        state=target.state(**state),
        protection=await protection_of(ctx, target.id, target.upn),
        notes=notes,
    )
