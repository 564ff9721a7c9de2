"""/offboard's Exchange Online steps against the sandbox: the documented cmdlet each sends, the
mailbox afterwards, a second run skipped, and undo putting it back."""

from __future__ import annotations

from dataclasses import replace

from bot.process.runtime import Runtime
from commands.offboard_undo import undo_offboard_step
from sandbox.exchange.mailboxes import Delegate, FolderGrant
from tests.commands.offboard_kit import ADELE, FakeStep, cmdlets, mailbox_of, plan_steps, twice
from tests.commands.sandbox_state import sandbox_of, user_named

MIRIAM = "miriam.graham@contoso.com"  # adele's manager


async def test_rules_are_disabled_not_deleted_and_undo_turns_them_on(runtime: Runtime) -> None:
    ctx, steps = await plan_steps(runtime)

    first, second = await twice(steps["rules"], FakeStep(ctx))

    rule = f"{ADELE.split('@')[0]}\\1"
    assert cmdlets(runtime, "Disable-InboxRule") == [
        {"Identity": rule, "Mailbox": ADELE, "Confirm": False}
    ]
    assert [(r.name, r.enabled) for r in mailbox_of(runtime).rules] == [("From partner", False)]
    assert first.detail == "disabled 1 inbox rule" and second.skipped
    assert await undo_offboard_step(ctx, "rules", first.undo) == "1 inbox rule on again"
    assert cmdlets(runtime, "Enable-InboxRule") == [
        {"Identity": rule, "Mailbox": ADELE, "Confirm": False}
    ]
    assert [r.enabled for r in mailbox_of(runtime).rules] == [True]


async def test_hide_sets_the_flag_once_and_undo_shows_the_mailbox(runtime: Runtime) -> None:
    ctx, steps = await plan_steps(runtime)

    first, second = await twice(steps["hide"], FakeStep(ctx))

    assert cmdlets(runtime, "Set-Mailbox") == [
        {"Identity": ADELE, "HiddenFromAddressListsEnabled": True}
    ]
    assert mailbox_of(runtime).hidden and second.skipped and "already" in second.detail
    assert await undo_offboard_step(ctx, "hide", first.undo) == "shown in the address lists again"
    assert not mailbox_of(runtime).hidden


async def test_each_mobile_device_is_removed_once(runtime: Runtime) -> None:
    ctx, steps = await plan_steps(runtime)
    devices = mailbox_of(runtime).devices

    first, second = await twice(steps["devices"], FakeStep(ctx))

    alias = ADELE.split("@")[0]
    assert cmdlets(runtime, "Remove-MobileDevice") == [
        {
            "Identity": f"{alias}\\ExchangeActiveSyncDevices\\{d.device_type}§{d.device_id}",
            "Confirm": False,
        }
        for d in devices
    ]
    assert len(devices) == 2 and mailbox_of(runtime).devices == ()
    assert first.detail.startswith("removed 2 mobile devices") and second.skipped


async def test_mailbox_grant_ignores_others_full_access_and_undo_takes_it_back(
    runtime: Runtime,
) -> None:
    megan = user_named(runtime, "megan.bowen@contoso.com").id
    miriam = user_named(runtime, MIRIAM).id
    assert mailbox_of(runtime).full_access == (Delegate(megan),)  # someone else's grant
    ctx, steps = await plan_steps(runtime)

    first, second = await twice(steps["mailbox"], FakeStep(ctx))

    assert (
        not first.skipped
        and second.skipped
        and second.detail == f"{MIRIAM} already had full access"
    )
    assert cmdlets(runtime, "Add-MailboxPermission") == [
        {
            "Identity": ADELE,
            "User": MIRIAM,
            "AccessRights": ["FullAccess"],
            "InheritanceType": "All",
            "AutoMapping": True,
        }
    ]
    assert mailbox_of(runtime).full_access == (Delegate(megan), Delegate(miriam, True))
    said = await undo_offboard_step(ctx, "mailbox", first.undo)
    assert said == f"full access of {MIRIAM} taken back"
    assert mailbox_of(runtime).full_access == (Delegate(megan),)


async def test_mailbox_grant_without_auto_mapping_says_so_to_exchange(runtime: Runtime) -> None:
    ctx, steps = await plan_steps(runtime, no_auto_mapping=True)

    await steps["mailbox"].run(FakeStep(ctx))

    assert [p["AutoMapping"] for p in cmdlets(runtime, "Add-MailboxPermission")] == [False]
    assert mailbox_of(runtime).full_access[-1].auto_mapping is False


async def test_get_mailbox_permission_user_answers_only_that_users_entries(
    runtime: Runtime,
) -> None:
    ctx, _ = await plan_steps(runtime)

    found = await ctx.exchange.invoke("Get-MailboxPermission", {"Identity": ADELE, "User": MIRIAM})

    assert found.values == ()  # megan.bowen's FullAccess is not miriam's


async def test_delegates_found_in_a_localised_calendar_and_put_back(runtime: Runtime) -> None:
    state = sandbox_of(runtime).tenant("contoso").exchange
    adele = user_named(runtime, ADELE).id
    state.put(adele, replace(state.state(adele), calendar_name="Kalender"))
    alex = user_named(runtime, "alex.wilber@contoso.com")
    ctx, steps = await plan_steps(runtime)

    first, second = await twice(steps["delegates"], FakeStep(ctx))

    folder = f"{ADELE}:\\Kalender"
    assert cmdlets(runtime, "Get-MailboxFolderStatistics")[-1] == {
        "Identity": ADELE,
        "FolderScope": "Calendar",
    }
    assert cmdlets(runtime, "Remove-MailboxFolderPermission") == [
        {"Identity": folder, "User": alex.display_name, "Confirm": False}
    ]
    assert mailbox_of(runtime).calendar == () and second.skipped
    said = await undo_offboard_step(ctx, "delegates", first.undo)
    assert said == f"calendar access back for {alex.display_name}"
    assert cmdlets(runtime, "Add-MailboxFolderPermission") == [
        {"Identity": folder, "User": alex.display_name, "AccessRights": ["Editor"]}
    ]
    assert mailbox_of(runtime).calendar == (FolderGrant(alex.id, ("Editor",)),)


async def test_forward_keeping_a_copy_is_set_once(runtime: Runtime) -> None:
    ctx, steps = await plan_steps(runtime, forward_to=MIRIAM)

    first, second = await twice(steps["forward"], FakeStep(ctx))

    assert cmdlets(runtime, "Set-Mailbox") == [
        {
            "Identity": ADELE,
            "ForwardingSmtpAddress": f"smtp:{MIRIAM}",
            "ForwardingAddress": None,
            "DeliverToMailboxAndForward": True,
        }
    ]
    mailbox = mailbox_of(runtime)
    assert mailbox.forwarding_smtp_address == f"smtp:{MIRIAM}" and mailbox.deliver_and_forward
    assert first.detail == f"forwarding to {MIRIAM}, keeping a copy" and second.skipped


async def test_out_of_office_is_set_once_and_undo_turns_it_off(runtime: Runtime) -> None:
    text = "Adele has left Contoso; write to miriam.graham@contoso.com."
    ctx, steps = await plan_steps(runtime, ooo=text)
    adele = user_named(runtime, ADELE).id

    first, second = await twice(steps["ooo"], FakeStep(ctx))

    patches = [
        r.body
        for r in sandbox_of(runtime).requests
        if r.method == "PATCH" and r.path.endswith(f"/users/{adele}/mailboxSettings")
    ]
    assert patches == [
        {
            "automaticRepliesSetting": {
                "status": "alwaysEnabled",
                "externalAudience": "all",
                "internalReplyMessage": text,
                "externalReplyMessage": text,
            }
        }
    ]
    replies = mailbox_of(runtime).auto_replies
    assert replies.status == "alwaysEnabled" and replies.external_message == text
    assert second.skipped
    said = await undo_offboard_step(ctx, "ooo", first.undo)
    assert said == "automatic replies as they were before"
    assert mailbox_of(runtime).auto_replies.status == "disabled"
