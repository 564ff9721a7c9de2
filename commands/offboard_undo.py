"""/offboard undo: put back what one step of an offboarding changed, from the step's `undo`.

Groups are re-joined (and owners re-added), licences re-assigned, the mailbox made a user
mailbox again, its forwarding, hidden flag, calendar delegates, inbox rules and automatic
replies put back as they were, sign-in allowed again. A reset password and deleted
authentication methods cannot come back: the answer says so. A deleted user comes back with
/restore-user, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commands.kit.context import CommandContext
from commands.kit.formatting import counted
from commands.queries.group_rules import member_reference

__all__ = ["undo_offboard_step"]

_CANNOT = {
    "password": "A reset password cannot be put back: reset it again to give the user one.",
    "methods": "Deleted authentication methods cannot be put back: the user registers them "
    "again (a Temporary Access Pass from /tap helps them sign in to do it).",
    "revoke": "Revoked sessions cannot be put back: the user signs in again.",
    "devices": "Removed mobile devices cannot be put back: they partner again when the user "
    "signs in on them.",
    "onedrive": "OneDrive access is not taken back here: remove the administrator in the "
    "SharePoint admin center if it should go.",
}


async def undo_offboard_step(ctx: CommandContext, key: str, undo: Mapping[str, Any]) -> str:
    """What was restored for step `key`, or why it cannot be."""
    if key in _CANNOT:
        return _CANNOT[key]
    if not undo:
        return "Nothing to put back: the step changed nothing."
    if key.startswith("group:"):
        return await _rejoin(ctx, key.removeprefix("group:"), undo)
    restore = _RESTORERS.get(key)
    if restore is None:
        return f"Deskhand cannot put back step {key!r}."
    return await restore(ctx, undo)


async def _unblock(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    user = _user(undo)
    await ctx.graph.request("PATCH", f"/users/{user}", json={"accountEnabled": True})
    return "sign-in allowed again"


async def _relicense(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    skus = [str(sku) for sku in undo.get("skus") or ()]
    body = {
        "addLicenses": [{"skuId": sku, "disabledPlans": []} for sku in skus],
        "removeLicenses": [],
    }
    await ctx.graph.request("POST", f"/users/{_user(undo)}/assignLicense", json=body)
    return f"{counted(len(skus), 'licence')} assigned again"


async def _unshare(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    await ctx.exchange.set_mailbox_type(_upn(undo), shared=undo.get("type") == "Shared")
    return "the mailbox is a user mailbox again (it needs a licence with Exchange Online)"


async def _unhide(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    hidden = undo.get("hidden") is True
    await ctx.exchange.set_hidden_from_address_lists(_upn(undo), hidden=hidden)
    return "shown in the address lists again" if not hidden else "hidden flag put back"


async def _forwarding(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    before = dict(undo.get("forwarding") or {})
    await ctx.exchange.set_mailbox(_upn(undo), before)
    where = before.get("ForwardingSmtpAddress") or before.get("ForwardingAddress")
    return f"forwarding back to {where}" if where else "forwarding off again, as before"


async def _ungrant(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    user = str(undo.get("grantee") or "")
    await ctx.exchange.remove_mailbox_permission(_upn(undo), user)
    return f"full access of {user} taken back"


async def _delegates(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    upn = _upn(undo)
    folder = (await ctx.exchange.calendar_folder(upn)).name
    names = []
    for user, rights in undo.get("delegates") or ():
        await ctx.exchange.add_calendar_permission(
            upn, str(user), str(rights).split(","), folder=folder
        )
        names.append(str(user))
    return f"calendar access back for {', '.join(names)}"


async def _rules(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    rules = [str(rule) for rule in undo.get("rules") or ()]
    for rule in rules:
        await ctx.exchange.enable_inbox_rule(_upn(undo), rule)
    return f"{counted(len(rules), 'inbox rule')} on again"


async def _ooo(ctx: CommandContext, undo: Mapping[str, Any]) -> str:
    before = dict(undo.get("ooo") or {"status": "disabled"})
    path = f"/users/{_user(undo)}/mailboxSettings"
    await ctx.graph.request("PATCH", path, json={"automaticRepliesSetting": before})
    return "automatic replies as they were before"


async def _rejoin(ctx: CommandContext, group: str, undo: Mapping[str, Any]) -> str:
    user, done = _user(undo), []
    if undo.get("member"):
        if undo.get("via") == "exchange":
            await ctx.exchange.add_distribution_group_member(group, _upn(undo))
        else:
            ref = member_reference(ctx, user)
            await ctx.graph.request("POST", f"/groups/{group}/members/$ref", json=ref)
        done.append("member")
    if undo.get("owner"):
        ref = member_reference(ctx, user)
        await ctx.graph.request("POST", f"/groups/{group}/owners/$ref", json=ref)
        done.append("owner")
    return f"{' and '.join(done)} of the group again"


def _user(undo: Mapping[str, Any]) -> str:
    return str(undo["user_id"])


def _upn(undo: Mapping[str, Any]) -> str:
    return str(undo["upn"])


_RESTORERS = {
    "block": _unblock,
    "licences": _relicense,
    "shared": _unshare,
    "hide": _unhide,
    "forward": _forwarding,
    "mailbox": _ungrant,
    "delegates": _delegates,
    "rules": _rules,
    "ooo": _ooo,
}
