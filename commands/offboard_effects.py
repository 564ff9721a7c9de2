"""The concrete lines of an /offboard plan: what each chosen step will change, from the snapshot.

Shared by the planner (the card) and the steps (which steps exist): `chosen` reads the choice
back from the plan, `SYNC_UNDONE` names what on-premises AD would undo for a synced user.
"""

from __future__ import annotations

from commands.kit.context import CommandContext
from commands.kit.formatting import counted, first_few
from commands.kit.plan import Plan
from commands.queries.leaver import LicenseState, Person
from commands.queries.offboarding import GroupFacts, Snapshot
from commands.queries.targets import Target

__all__ = [
    "EXCHANGE_STEPS",
    "NO_SHAREPOINT",
    "SECRET_ONLY",
    "SYNC_UNDONE",
    "chosen",
    "effects_of",
    "onedrive_blocked",
    "synced_skips",
]

SYNC_UNDONE = {
    "block": "block sign-in (accountEnabled is written by the sync)",
    "reset_password": "reset the password (the on-premises password wins without writeback)",
    "hide": "hide from the address lists (msExchHideFromAddressLists is mastered on-premises)",
}
"""Steps a synced user skips: the next sync from on-premises AD would undo them."""
EXCHANGE_STEPS = frozenset(
    {"remove_devices", "convert_shared", "hide", "forward", "grant_mailbox", "remove_delegates"}
)
SECRET_ONLY = (
    "only a client secret is configured for this tenant, and SharePoint refuses app-only "
    "tokens obtained with a secret: configure a certificate credential to hand over OneDrives"
)
NO_SHAREPOINT = (
    "Deskhand has no SharePoint admin client for this tenant (it needs the tenant's "
    "<name>.onmicrosoft.com domain among its domains): make the person site collection "
    "administrator in the SharePoint admin center"
)
_LISTED = 5


def chosen(plan: Plan) -> frozenset[str]:
    return frozenset(filter(None, str(plan.state.get("choice") or "").split(",")))


def onedrive_blocked(ctx: CommandContext) -> str:
    """Why the OneDrive step cannot run for this tenant ("" when it can)."""
    if ctx.sharepoint_client is None:
        return NO_SHAREPOINT
    return SECRET_ONLY if ctx.sharepoint_client.tokens.credentials.certificate is None else ""


def synced_skips(target: Target, snapshot: Snapshot, choice: str) -> tuple[str, ...]:
    if not target.synced:
        return ()
    skipped = [why for step, why in SYNC_UNDONE.items() if step in choice.split(",")]
    synced = [g.name for g in snapshot.groups if g.why and "on-premises" in g.why]
    if synced:
        skipped.append(f"group memberships of synced groups ({first_few(synced, _LISTED)})")
    if not skipped:
        return ()
    return (
        f"{target.label} is synced from on-premises Active Directory, whose next sync would "
        f"undo these, so they are skipped: {'; '.join(skipped)}. Do them in on-premises AD. "
        "The other steps run.",
    )


def effects_of(
    ctx: CommandContext,
    target: Target,
    snapshot: Snapshot,
    choice: str,
    *,
    mailbox_to: Person | None,
    onedrive_to: Person | None,
    forward: str = "",
) -> tuple[list[str], list[str]]:
    """The card's effects, in step order, and its notes."""
    on = set(choice.split(","))
    effects: list[str] = []
    notes: list[str] = []
    skip = set(SYNC_UNDONE) if target.synced else set()
    if "block" in on - skip:
        effects.append(
            f"Block sign-in for {target.upn}"
            if snapshot.enabled
            else f"Sign-in of {target.upn} is already blocked: nothing to do"
        )
    if "revoke_sessions" in on:
        effects.append("Revoke every refresh token and session (after blocking sign-in)")
    if "reset_password" in on - skip:
        effects.append("Reset the password to a generated one, shown only to you, never stored")
    if "remove_methods" in on:
        effects.append(
            f"Remove {counted(snapshot.methods, 'authentication method')} (a Temporary Access "
            "Pass included)"
            if snapshot.methods
            else "No authentication method to remove"
        )
    if "disable_rules" in on and snapshot.has_mailbox:
        count = len(snapshot.enabled_rules)
        effects.append(f"Disable {counted(count, 'inbox rule')} (kept, not deleted)")
    effects += _mailbox_effects(snapshot, on - skip, mailbox_to, notes, forward)
    if "grant_onedrive" in on:
        effects.append(_onedrive(ctx, onedrive_to, snapshot.onedrive))
    if "remove_groups" in on:
        effects += _groups(snapshot.groups, snapshot.manager)
    if "remove_licences" in on:
        effects += _licences(snapshot)
    if not snapshot.has_mailbox and on & EXCHANGE_STEPS:
        notes.append(
            f"{target.upn} has no Exchange Online mailbox: the mailbox steps are left out."
        )
    return effects, notes


def _mailbox_effects(
    snapshot: Snapshot, on: set[str], person: Person | None, notes: list[str], forward: str
) -> list[str]:
    if not snapshot.has_mailbox:
        return []
    effects = []
    if "remove_devices" in on:
        effects.append(
            f"Remove {counted(snapshot.devices, 'mobile device')} from the mailbox"
            if snapshot.devices
            else "No mobile device to remove"
        )
    if "convert_shared" in on:
        effects.append(
            "The mailbox is already shared"
            if snapshot.shared
            else "Convert the mailbox to shared before removing licences and groups, so mail "
            "is kept"
        )
    if "hide" in on:
        effects.append(
            "The mailbox is already hidden from the address lists"
            if snapshot.hidden
            else "Hide the mailbox from the address lists"
        )
    if "ooo" in on:
        effects.append("Set the out-of-office reply (inside and outside the organisation)")
    if "forward" in on:
        copy = "keeping a copy" if "keep_copy" in on else "without keeping a copy"
        effects.append(f"Forward the mailbox's mail to {forward}, {copy}")
    if "grant_mailbox" in on:
        if person is None:
            notes.append("No manager is set: name who gets the mailbox with --mailbox-to.")
        else:
            mapping = "on" if "auto_mapping" in on else "off"
            effects.append(
                f"Give {person.label} full access to the mailbox (auto-mapping {mapping})"
            )
    if "remove_delegates" in on:
        delegates = [f"{user} ({rights})" for user, rights in snapshot.calendar_delegates]
        effects.append(
            f"Remove {counted(len(delegates), 'calendar delegate')}: "
            f"{first_few(delegates, _LISTED)}"
            if delegates
            else "No calendar delegate to remove"
        )
    return effects


def _onedrive(ctx: CommandContext, person: Person | None, site: str) -> str:
    if person is None:
        return "OneDrive: skipped, no manager is set (name someone with --onedrive-to)"
    if not site:
        return "OneDrive: skipped, the user has no OneDrive"
    blocked = onedrive_blocked(ctx)
    if blocked:
        return f"OneDrive for {person.label}: skipped, {blocked}"
    return f"Make {person.label} site collection administrator of the OneDrive"


def _groups(groups: tuple[GroupFacts, ...], manager: Person | None) -> list[str]:
    removable = [g for g in groups if g.via]
    owned = [g for g in removable if g.owner]
    lines = []
    if removable:
        owners = "; ".join(_ownership(g, manager) for g in owned)
        extra = f" (owner of {len(owned)}: {owners})" if owned else ""
        names = first_few([g.name for g in removable], _LISTED)
        lines.append(f"Remove from {counted(len(removable), 'group')}: {names}{extra}")
    else:
        lines.append("No group to remove them from")
    for group in groups:
        if not group.via:
            lines.append(f"Cannot remove from {group.name}: {group.why}")
    return lines


def _ownership(group: GroupFacts, manager: Person | None) -> str:
    if group.other_owners:
        return f"{group.name}, {counted(group.other_owners, 'other owner')}"
    heir = f"(their manager, {manager.label}?)" if manager else ""
    return (
        f"{group.name}, the only owner: Graph refuses to remove a group's last owner, so they "
        f"stay its owner until someone {heir} is made owner".replace("  ", " ")
    )


def _licences(snapshot: Snapshot) -> list[str]:
    direct = [_label(lic) for lic in snapshot.licences if lic.direct]
    lines = [
        f"Remove {counted(len(direct), 'licence')}: {', '.join(direct)}"
        if direct
        else "No directly assigned licence to remove"
    ]
    inherited = [_label(lic) for lic in snapshot.licences if lic.via_groups]
    if inherited:
        lines.append(
            f"Licences through groups ({', '.join(inherited)}) go when they leave those groups"
        )
    return lines


def _label(licence: LicenseState) -> str:
    """ "Microsoft 365 E3 (SPE_E3)", as /licenses names a licence."""
    part = licence.part_number
    return f"{licence.name} ({part})" if part and part != licence.name else licence.name
