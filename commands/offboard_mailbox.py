"""/offboard's Exchange Online steps, each reading the mailbox first through the typed client
and changing only what is not yet changed (run again, it answers "already …" as skipped).

Inbox rules are disabled with Disable-InboxRule, so they are kept and can be turned on again;
the calendar folder is found by type (its name is localised: "Kalender"); a FullAccess grant
is looked for among Get-MailboxPermission's entries for the grantee, never assumed.
"""

from __future__ import annotations

import asyncio

from commands.kit.formatting import counted
from commands.kit.steps import StepContext, StepResult
from integrations.exchange.models import smtp_address

__all__ = [
    "convert_shared",
    "disable_rules",
    "grant_mailbox",
    "hide",
    "remove_delegates",
    "remove_devices",
    "set_forward",
]


async def disable_rules(upn: str, step: StepContext) -> StepResult:
    exchange = step.command.exchange
    enabled = sorted(r.identity for r in await exchange.inbox_rules(upn) if r.enabled)
    if not enabled:
        return StepResult("no inbox rule was on", skipped=True)
    await asyncio.gather(*(exchange.disable_inbox_rule(upn, rule) for rule in enabled))
    return StepResult(f"disabled {counted(len(enabled), 'inbox rule')}", undo={"rules": enabled})


async def convert_shared(upn: str, step: StepContext) -> StepResult:
    exchange = step.command.exchange
    if (await exchange.get_mailbox(upn)).is_shared:
        return StepResult("the mailbox was already shared", skipped=True)
    await exchange.set_mailbox_type(upn, shared=True)
    return StepResult("converted to shared", undo={"type": "Regular"})


async def hide(upn: str, step: StepContext) -> StepResult:
    exchange = step.command.exchange
    if (await exchange.get_mailbox(upn)).hidden_from_address_lists_enabled:
        return StepResult("already hidden from the address lists", skipped=True)
    await exchange.set_hidden_from_address_lists(upn, hidden=True)
    return StepResult("hidden from the address lists", undo={"hidden": False})


async def remove_devices(upn: str, step: StepContext) -> StepResult:
    exchange = step.command.exchange
    devices = await exchange.mobile_devices(upn)
    if not devices:
        return StepResult("no mobile device was left", skipped=True)
    await asyncio.gather(
        *(exchange.remove_mobile_device(device.identity, anchor=upn) for device in devices)
    )
    names = ", ".join(d.friendly_name or d.device_model or d.device_type for d in devices)
    return StepResult(f"removed {counted(len(devices), 'mobile device')}: {names}")


async def set_forward(upn: str, address: str, keep: bool, step: StepContext) -> StepResult:
    exchange = step.command.exchange
    now = await exchange.get_mailbox(upn)
    current = smtp_address(now.forwarding_smtp_address) or ""
    if current.lower() == address.lower() and now.deliver_to_mailbox_and_forward == keep:
        return StepResult(f"mail was already forwarded to {address}", skipped=True)
    previous = {
        "ForwardingSmtpAddress": now.forwarding_smtp_address,
        "ForwardingAddress": now.forwarding_address,
        "DeliverToMailboxAndForward": now.deliver_to_mailbox_and_forward,
    }
    wanted = {
        "ForwardingSmtpAddress": f"smtp:{address}",
        "ForwardingAddress": None,
        "DeliverToMailboxAndForward": keep,
    }
    await exchange.set_mailbox(upn, wanted)
    copy = "keeping a copy" if keep else "without a copy"
    return StepResult(f"forwarding to {address}, {copy}", undo={"forwarding": previous})


async def grant_mailbox(upn: str, grantee: str, auto: bool, step: StepContext) -> StepResult:
    exchange = step.command.exchange
    # Exchange names a granted user by UPN: only the grantee's own entry counts, never
    # someone else's FullAccess on the same mailbox.
    held = [p for p in await exchange.mailbox_permissions(upn) if p.is_delegate]
    if any(p.user.casefold() == grantee.casefold() for p in held):
        return StepResult(f"{grantee} already had full access", skipped=True)
    await exchange.add_mailbox_permission(upn, grantee, auto_mapping=auto)
    mapping = "on" if auto else "off"
    return StepResult(
        f"full access for {grantee} (auto-mapping {mapping})", undo={"grantee": grantee}
    )


async def remove_delegates(upn: str, step: StepContext) -> StepResult:
    exchange = step.command.exchange
    folder = (await exchange.calendar_folder(upn)).name
    delegates = await exchange.calendar_permissions(upn, folder=folder)
    if not delegates:
        return StepResult("no calendar delegate was left", skipped=True)
    await asyncio.gather(
        *(exchange.remove_calendar_permission(upn, d.user, folder=folder) for d in delegates)
    )
    undo = [[d.user, ",".join(d.access_rights)] for d in delegates]
    names = ", ".join(d.user for d in delegates)
    return StepResult(f"removed {names} from the calendar", undo={"delegates": undo})
