"""/offboard: a leaver's whole offboarding as one confirmed plan that runs as a durable job.

The planner reads a snapshot of the user (commands/queries/offboarding.py) and lists the
concrete effects; the steps (commands/offboard_steps.py) run them, each idempotent, block before
revoke and convert-to-shared before licences and groups go (a group-based licence goes with
the group, and a mailbox without a licence is lost unless it is shared); undo is in
commands/offboard_undo.py. Every toggle defaults to the tenant's `[offboard]` settings.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from pydantic import Field, model_validator

from cards.reply import Level, Notice, Reply
from commands.kit.context import CommandContext
from commands.kit.offboarding import TOGGLES
from commands.kit.plan import ActionArgs, Plan
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.offboard_effects import effects_of, synced_skips
from commands.offboard_steps import offboard_steps
from commands.offboard_undo import undo_offboard_step
from commands.queries.deleted_users import matching_deleted
from commands.queries.leaver import Person
from commands.queries.offboarding import Snapshot, read_snapshot
from commands.queries.targets import Target, find_target, user_plan
from core.errors import NotFound, UserError
from integrations.exchange import EXCHANGE_PERMISSION, EXCHANGE_ROLE

__all__ = ["OffboardArgs", "offboard", "plan_offboard"]

PERMISSIONS = (
    "User.Read.All",
    "User.EnableDisableAccount.All",
    "User.RevokeSessions.All",
    "User-PasswordProfile.ReadWrite.All",
    "Entra role: User Administrator",  # a password reset app-only needs it
    "UserAuthenticationMethod.ReadWrite.All",
    "MailboxSettings.ReadWrite",  # automatic replies
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",  # removing a group owner
    "Directory.Read.All",  # memberOf, ownedObjects, manager
    "LicenseAssignment.ReadWrite.All",
    "Organization.Read.All",  # subscribedSkus: licence names
    "Files.Read.All",  # the OneDrive's address
    "RoleManagement.Read.Directory",  # protected accounts
    EXCHANGE_PERMISSION,
    f"Entra role: {EXCHANGE_ROLE}",
)
"""The OneDrive hand-over also needs SharePoint's own application permission
Sites.FullControl.All (Office 365 SharePoint Online, not Graph) and a certificate credential;
its step says so when SharePoint refuses, and the rest of the job runs."""


def _toggle(name: str, on: bool) -> Any:
    what = name.replace("_", " ")
    return Field(False, description=f"{'do' if on else 'skip'} this step: {what}")


class OffboardArgs(ActionArgs):
    user: str = positional("the leaver: a UPN, e-mail address, object id or part of a name")
    block: bool = _toggle("block sign-in", True)
    no_block: bool = _toggle("block sign-in", False)
    revoke_sessions: bool = _toggle("revoke sessions", True)
    no_revoke_sessions: bool = _toggle("revoke sessions", False)
    reset_password: bool = _toggle("reset the password (generated, shown only to you)", True)
    no_reset_password: bool = _toggle("reset the password", False)
    remove_methods: bool = _toggle("remove every authentication method and TAP", True)
    no_remove_methods: bool = _toggle("remove authentication methods", False)
    remove_devices: bool = _toggle("remove the mailbox's mobile devices", True)
    no_remove_devices: bool = _toggle("remove mobile devices", False)
    disable_rules: bool = _toggle("disable (keep) inbox rules", True)
    no_disable_rules: bool = _toggle("disable inbox rules", False)
    convert_shared: bool = _toggle("convert the mailbox to shared", True)
    no_convert_shared: bool = _toggle("convert to shared", False)
    hide: bool = _toggle("hide from the address lists", True)
    no_hide: bool = _toggle("hide from the address lists", False)
    grant_mailbox: bool = _toggle("full access to the mailbox for the manager", True)
    no_grant_mailbox: bool = _toggle("mailbox access for the manager", False)
    auto_mapping: bool = _toggle("Outlook opens the granted mailbox by itself", True)
    no_auto_mapping: bool = _toggle("auto-mapping", False)
    grant_onedrive: bool = _toggle("OneDrive site admin for the manager", True)
    no_grant_onedrive: bool = _toggle("OneDrive access for the manager", False)
    remove_groups: bool = _toggle("remove from every group and team", True)
    no_remove_groups: bool = _toggle("remove from groups", False)
    remove_delegates: bool = _toggle("remove calendar delegates", True)
    no_remove_delegates: bool = _toggle("remove calendar delegates", False)
    remove_licences: bool = _toggle("remove directly assigned licences", True)
    no_remove_licences: bool = _toggle("remove licences", False)
    keep_copy: bool = _toggle("keep a copy of forwarded mail", True)
    no_keep_copy: bool = _toggle("keep a copy of forwarded mail", False)
    ooo: str | None = Field(None, description="an out-of-office reply to set")
    forward_to: str | None = Field(None, description="forward the leaver's mail to this address")
    mailbox_to: str | None = Field(None, description="give mailbox full access to this person")
    onedrive_to: str | None = Field(None, description="give the OneDrive to this person")
    delete_after: int | None = Field(
        None, ge=0, le=3650, description="delete the user after N days (0: never)"
    )

    @model_validator(mode="after")
    def _one_way(self) -> OffboardArgs:
        for name in (*TOGGLES, "auto_mapping", "keep_copy"):
            if getattr(self, name) and getattr(self, f"no_{name}"):
                option = name.replace("_", "-")
                raise ValueError(f"give --{option} or --no-{option}, not both")
        return self

    def wanted(self, ctx: CommandContext, name: str) -> bool:
        """The toggle as typed, else the tenant's default."""
        if getattr(self, name):
            return True
        if getattr(self, f"no_{name}"):
            return False
        return bool(getattr(ctx.offboard, name))


async def plan_offboard(ctx: CommandContext, args: OffboardArgs) -> Plan:
    tenant = ctx.current_tenant.display_name
    target = await _leaver(ctx, args.user)
    on = {name: args.wanted(ctx, name) for name in (*TOGGLES, "auto_mapping", "keep_copy")}
    forward = (args.forward_to or "").strip()
    if forward and "@" not in forward:
        raise UserError(f"--forward-to needs an e-mail address, not {forward!r}.")
    outside = bool(forward) and forward.rsplit("@", 1)[1].lower() not in ctx.current_tenant.domains
    if outside and not (args.reason or "").strip():
        raise UserError(
            f"{forward} is outside {tenant}'s domains ({', '.join(ctx.current_tenant.domains)}): "
            "forwarding a leaver's mail outside the organisation needs --reason (why, or the "
            "ticket). Nothing was changed."
        )
    ooo = args.ooo if args.ooo is not None else ctx.offboard.ooo
    snapshot = await read_snapshot(
        ctx,
        target,
        mailbox=True,
        devices=on["remove_devices"],
        calendar=on["remove_delegates"],
        onedrive=on["grant_onedrive"],
    )
    _refuse_shared(target, snapshot)
    mailbox_to, onedrive_to = await asyncio.gather(
        _person(ctx, args.mailbox_to, snapshot.manager),
        _person(ctx, args.onedrive_to, snapshot.manager),
    )
    choice = _choice(ctx, args, on, forward=forward, ooo=ooo)
    effects, notes = effects_of(
        ctx,
        target,
        snapshot,
        choice,
        mailbox_to=mailbox_to,
        onedrive_to=onedrive_to,
        forward=forward,
    )
    if outside:
        notes.append(
            f"{forward} is outside {tenant}. The default outbound spam policy blocks automatic "
            "forwarding to outside addresses: allow it for this mailbox in Microsoft Defender "
            "(outbound spam policy), or the forwarded mail bounces."
        )
    delete_after = (
        args.delete_after if args.delete_after is not None else ctx.offboard.delete_after_days
    )
    if delete_after:
        effects.append(f"Delete {target.upn} {delete_after} days after the offboarding")
    plan = await user_plan(
        ctx,
        target,
        summary=f"Offboard {target.label} in {tenant}",
        effects=tuple(effects),
        notes=tuple(notes),
        snapshot=snapshot.to_json(),
        choice=choice,
        enabled=snapshot.enabled,
        mailbox_type=snapshot.mailbox_type,
        licences=len(snapshot.licences),
        groups=len(snapshot.groups),
        mailbox_to=mailbox_to.upn if mailbox_to else "",
        onedrive_to=onedrive_to.upn if onedrive_to else "",
        forward_to=forward,
        ooo=ooo,
        delete_after_days=delete_after,
    )
    return replace(plan, notes=(*plan.notes, *synced_skips(target, snapshot, choice)))


def _choice(
    ctx: CommandContext, args: OffboardArgs, on: dict[str, bool], *, forward: str, ooo: str
) -> str:
    """The chosen steps as one state value: "block,revoke_sessions,…" (sorted)."""
    chosen = {name for name, value in on.items() if value}
    if forward:
        chosen.add("forward")
    if ooo.strip():
        chosen.add("ooo")
    return ",".join(sorted(chosen))


async def _leaver(ctx: CommandContext, query: str) -> Target:
    tenant = ctx.current_tenant.display_name
    try:
        target = await find_target(ctx, query)
    except NotFound:
        deleted = await matching_deleted(ctx, query)
        if deleted:
            raise UserError(
                f"{deleted[0].upn} is in {tenant}'s deleted items already: see /deleted (and "
                "/restore-user to bring them back). Nothing was changed."
            ) from None
        raise
    except UserError as error:
        if "is a guest" in error.message:
            raise UserError(
                f"{error.message} To offboard a guest, remove them with /delete-user or block "
                "them with /block; the steps of /offboard are for members."
            ) from None
        raise
    return target


def _refuse_shared(target: Target, snapshot: Snapshot) -> None:
    """A shared mailbox is no leaver; blocked, unlicensed and shared is one already done."""
    if not snapshot.shared:
        return
    if snapshot.enabled:
        raise UserError(
            f"{target.label} is a shared mailbox, not a person's account: /offboard is for "
            f"leavers. To stop sign-in to it, use /block {target.upn}. Nothing was changed."
        )
    if not any(lic.direct for lic in snapshot.licences):
        raise UserError(
            f"{target.label} is already offboarded: sign-in is blocked, no licence is assigned "
            "to them directly and the mailbox is shared. Nothing was changed. To put an "
            "offboarding back, use /offboard undo with its job."
        )


async def _person(ctx: CommandContext, named: str | None, manager: Person | None) -> Person | None:
    """Who gets access: the person named (who must exist), else the manager."""
    if not named:
        return manager
    try:
        found = await find_target(ctx, named)
    except NotFound as error:
        raise UserError(f"{error.message} Nobody was given access; nothing was changed.") from None
    return Person(found.id, found.display_name, found.upn, mail="")


@command(
    "offboard",
    args=OffboardArgs,
    roles=ACTION_ROLES,
    permissions=PERMISSIONS,
    plan=plan_offboard,
    steps=offboard_steps,
    undo=undo_offboard_step,
)
async def offboard(ctx: CommandContext, args: OffboardArgs, plan: Plan) -> Reply:
    """Offboard a leaver: block, sign out, hand over mail and OneDrive, remove access.

    Shows the concrete plan from the user's current state, then runs its steps as a job: block
    and revoke first, the mailbox converted to shared before licences and groups go, the rest
    at once. Every step's default comes from the tenant's [offboard] settings; --no-<step> or
    --<step> overrides one. --forward-to outside the tenant needs --reason. /offboard undo puts
    back what can be put back.
    """
    return Reply(
        title=f"Offboarding runs as a job: {plan.target}",
        blocks=(Notice(Level.INFO, "Its progress card shows each step as it finishes."),),
        level=Level.INFO,
    )
