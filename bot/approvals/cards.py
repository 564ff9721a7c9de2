"""The cards of a pending action: confirm it, approve it, and what became of it.

Pure functions of a `PendingAction` (and its plan) to a `Reply`; buttons carry only
`a:<action id>:<verb>`, and the router turns a click into `/confirm`, `/approve` ... again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.store.pending import ActionState, PendingAction
from cards.reply import (
    Block,
    Button,
    Data,
    Facts,
    Form,
    Heading,
    Input,
    Level,
    Notice,
    Reply,
    Table,
    Text,
)
from commands.kit.formatting import when

__all__ = [
    "ACTION_PREFIX",
    "action_button",
    "action_data",
    "approval_card",
    "confirmation_card",
    "deny_form",
    "parse_action",
    "pending_list",
    "plan_blocks",
    "settled_card",
]

ACTION_PREFIX = "a:"
VERBS = ("confirm", "cancel", "approve", "deny")


def action_button(action_id: str, verb: str) -> str:
    return f"{ACTION_PREFIX}{action_id}:{verb}"


def parse_action(action: str) -> tuple[str, str] | None:
    """(action id, verb) from a button's id, or None when it is not a pending action's."""
    if not action.startswith(ACTION_PREFIX):
        return None
    action_id, _, verb = action.removeprefix(ACTION_PREFIX).rpartition(":")
    return (action_id, verb) if action_id and verb in VERBS else None


def action_data(action: PendingAction, result: Data | None = None) -> dict[str, Any]:
    """A pending action as data for scripts: its target, the changes, where it stands, and once
    it ran, `result`: what the command itself reported as data (null when it reports none).

    Built from the stored action, which never holds a secret (a typed password or a TAP), and
    the command's data, which never holds one either."""
    plan = action.plan
    return {
        "action": action.id,
        "command": action.command,
        "tenant": action.tenant,
        "target": plan.get("target", ""),
        "targetId": plan.get("target_id", ""),
        "summary": plan.get("summary", ""),
        "changes": _strings(plan.get("effects")),
        "state": action.state.value,
        "requestedBy": action.requester_email or action.requester,
        "reason": action.reason,
        "decidedBy": action.decided_by,
        "decisionReason": action.decision_reason,
        "outcome": action.result,
        "expires": action.expires_at.isoformat().replace("+00:00", "Z"),
        "result": result,
    }


def plan_blocks(action: PendingAction, now: datetime) -> list[Block]:
    plan = action.plan
    facts = [
        ("Tenant", action.tenant),
        ("Target", str(plan.get("target", ""))),
        ("Requested by", action.requester_name or action.requester),
        ("Reason", action.reason or "none given"),
        ("Action id", action.id),
        ("Expires", _expiry(action.expires_at, now)),
    ]
    blocks: list[Block] = [
        Heading(str(plan.get("summary", action.command))),
        Text("\n".join(f"• {effect}" for effect in _strings(plan.get("effects")))),
        Facts(tuple(facts)),
    ]
    blocks += [Notice(Level.INFO, note) for note in _strings(plan.get("notes"))]
    reasons = _strings((plan.get("protection") or {}).get("reasons"))
    if reasons:
        blocks.append(
            Notice(
                Level.WARNING,
                "Protected account (" + "; ".join(reasons) + "): an admin other than the "
                "requester must approve.",
            )
        )
    return blocks


def confirmation_card(action: PendingAction, now: datetime, *, needs_approval: bool) -> Reply:
    """Shown to the requester only: nothing runs until they confirm."""
    after = (
        "After you confirm, an approver (not you) must approve it before it runs."
        if needs_approval
        else "Nothing has changed yet: it runs when you confirm."
    )
    blocks = [*plan_blocks(action, now), Text(f"{after} Or type /confirm {action.id}.")]
    return Reply(
        title=f"Confirm /{action.command}",
        blocks=tuple(blocks),
        buttons=(
            Button("Confirm", action_button(action.id, "confirm"), "danger"),
            Button("Cancel", action_button(action.id, "cancel")),
        ),
        private=True,
        level=Level.WARNING,
        data=action_data(action),
    )


def approval_card(action: PendingAction, now: datetime, mentions: Sequence[str]) -> Reply:
    """Posted to the tenant's approvers: approve or deny, never by the requester."""
    blocks = [
        *plan_blocks(action, now),
        Text(f"Approve or deny, or type /approve {action.id} or /deny {action.id} --reason WHY."),
    ]
    return Reply(
        title=f"Approval needed: /{action.command} in {action.tenant}",
        blocks=tuple(blocks),
        buttons=(
            Button("Approve", action_button(action.id, "approve"), "primary"),
            Button("Deny", action_button(action.id, "deny"), "danger"),
        ),
        mentions=tuple(mentions),
        level=Level.WARNING,
        data=action_data(action),
    )


def deny_form(action: PendingAction) -> Reply:
    return Reply(
        title=f"Deny /{action.command}",
        blocks=(Text(f"Say why you deny: {action.plan.get('summary', action.command)}"),),
        form=Form(
            action_button(action.id, "deny"),
            "Deny the action",
            "Deny",
            (Input("reason", "Reason", multiline=True, placeholder="Shown to the requester"),),
        ),
    )


_SETTLED = {
    ActionState.AWAITING: (Level.INFO, "Confirmed by {who}; waiting for an approver."),
    ActionState.APPROVED: (Level.INFO, "Approved by {who}; running."),
    ActionState.RUNNING: (Level.INFO, "Running."),
    ActionState.DONE: (Level.SUCCESS, "Done."),
    ActionState.PARTIAL: (Level.WARNING, "Completed with failures."),
    ActionState.FAILED: (Level.ERROR, "Failed."),
    ActionState.UNKNOWN: (Level.WARNING, "Outcome unknown."),
    ActionState.DENIED: (Level.WARNING, "Denied by {who}."),
    ActionState.EXPIRED: (Level.WARNING, "Expired before anyone decided; nothing was changed."),
    ActionState.CANCELLED: (Level.WARNING, "Cancelled by {who}; nothing was changed."),
}


_RAN = (
    ActionState.RUNNING,
    ActionState.DONE,
    ActionState.PARTIAL,
    ActionState.FAILED,
    ActionState.UNKNOWN,
)


def settled_card(action: PendingAction, now: datetime) -> Reply:
    """The card once decided: who decided, when, and what came of it; no buttons."""
    level, template = _SETTLED.get(action.state, (Level.INFO, "{state}"))
    who = action.decided_by or action.requester
    if action.decided_via == "console":
        who += " (from the console)"
    lines = [template.format(who=who, state=action.state.value)]
    if action.state in _RAN and action.decided_by:
        # A finished card still says who let it run: the approver, or the requester's confirm.
        verb = "Confirmed" if action.policy == "confirm" else "Approved"
        lines.append(f"{verb} by {who}.")
    if action.decided_at:
        lines.append(f"Decided {when(action.decided_at, now)}.")
    if action.decision_reason:
        lines.append(f"Reason: {action.decision_reason}")
    if action.result:
        lines.append(action.result)
    return Reply(
        title=f"/{action.command} in {action.tenant}: {action.state.value}",
        blocks=(*plan_blocks(action, now)[:3], Notice(level, " ".join(lines))),
        level=level,
        data=action_data(action),
    )


def pending_list(actions: Sequence[PendingAction], now: datetime) -> Reply:
    """/pending: what waits to be confirmed or approved, soonest expiry last."""
    waiting = [action for action in actions if action.expires_at > now]
    rows = tuple(
        (
            action.id,
            f"/{action.command}",
            str(action.plan.get("target", "")),
            action.tenant,
            "to confirm" if action.state is ActionState.PENDING else "to approve",
            action.requester_name or action.requester,
            f"{max(0, int((action.expires_at - now).total_seconds() // 60))} min",
        )
        for action in waiting
    )
    data = [action_data(action) for action in waiting]
    if not rows:
        return Reply(title="Pending actions", blocks=(Text("Nothing is waiting."),), data=data)
    columns = ("id", "command", "target", "tenant", "waiting", "requested by", "expires in")
    return Reply(
        title="Pending actions",
        blocks=(
            Table(columns, rows),
            Text("/confirm ID or /cancel ID for yours; /approve ID or /deny ID --reason WHY."),
        ),
        data=data,
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def _expiry(moment: datetime, now: datetime) -> str:
    minutes = max(0, int((moment - now).total_seconds() // 60))
    left = f"{minutes} minutes" if minutes < 120 else f"{minutes // 60} hours"
    return f"{moment:%Y-%m-%d %H:%M} UTC (in {left})"
