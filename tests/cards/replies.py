"""Fixed Replies shaped like what /user, /users, /licenses, /help, a confirmation and an
error build, for golden files. Built here rather than by running commands: real output
carries dates relative to today."""

from __future__ import annotations

from cards.reply import (
    Button,
    Facts,
    File,
    Form,
    Heading,
    Input,
    Level,
    Notice,
    Reply,
    Table,
    Text,
)

_PEOPLE = (
    ("Adele Vance", "adele.vance", "yes", "Microsoft 365 E3", "registered", "2 hours ago"),
    ("Alex Wilber", "alex.wilber", "blocked", "Microsoft 365 E3", "registered", "45 days ago"),
    ("Diego Siciliani", "diego.siciliani", "yes", "Microsoft 365 E3", "none", "never"),
    ("Lynne Robbins", "lynne.robbins", "yes", "Microsoft 365 E5", "none", "yesterday"),
    ("Megan Bowen", "megan.bowen", "yes", "Microsoft 365 E3", "registered", "120 days ago"),
)


def user_reply() -> Reply:
    return Reply(
        title="Adele Vance (adele.vance@contoso.com)",
        blocks=(
            Notice(Level.SUCCESS, "active, MFA registered"),
            Facts(
                (
                    ("Sign-in", "enabled"),
                    ("Type", "member"),
                    ("Created", "2024-03-02 (1 year ago)"),
                    ("Job title", "Retail Manager"),
                    ("Department", "Retail"),
                    ("Office", "18/2111"),
                    ("Manager", "Miriam Graham (miriam.graham@contoso.com)"),
                    ("Source", "cloud"),
                )
            ),
            Heading("Licences"),
            Facts((("Microsoft 365 E3", ""), ("Microsoft Entra ID P1", ""))),
            Heading("Groups and roles"),
            Facts(
                (
                    ("Groups", "3: All Company, Retail, Sales & Marketing"),
                    ("Directory roles", "none"),
                )
            ),
            Heading("MFA"),
            Facts(
                (
                    ("Registered", "yes"),
                    ("Capable", "yes"),
                    ("Methods", "Microsoft Authenticator, phone"),
                    ("Default method", "microsoftAuthenticatorPush"),
                    ("Per-user MFA", "disabled"),
                )
            ),
            Heading("Sign-ins"),
            Facts((("Last interactive", "2 hours ago"), ("Last non-interactive", "1 hour ago"))),
        ),
    )


def users_rows(count: int) -> tuple[tuple[str, ...], ...]:
    """`count` rows cycling through the demo people, numbered so each row is distinct."""
    rows = []
    for index in range(count):
        name, alias, enabled, product, mfa, active = _PEOPLE[index % len(_PEOPLE)]
        rows.append(
            (
                f"{name} {index + 1}",
                f"{alias}{index + 1}@contoso.com",
                enabled,
                product,
                mfa,
                active,
            )
        )
    return tuple(rows)


def users_reply(count: int) -> Reply:
    columns = ("name", "upn", "enabled", "products", "mfa", "lastactive")
    shown = users_rows(count)[:100]
    blocks: list[Table | Notice] = [Table(columns, shown, total=count)]
    if count > 100:
        blocks.append(Notice(Level.INFO, "Add --export xlsx (or csv) to get every row."))
    return Reply(title=f"{count} users", blocks=tuple(blocks))


def licenses_reply() -> Reply:
    return Reply(
        title="Licences",
        blocks=(
            Table(
                ("product", "purchased", "assigned", "available", "status"),
                (
                    ("Microsoft 365 E3", "25", "25", "0", "Enabled"),
                    ("Microsoft 365 E5", "5", "2", "3", "Enabled"),
                    ("Microsoft Entra ID P1", "30", "27", "3", "Enabled"),
                ),
            ),
            Heading("Licensed but blocked or inactive"),
            Table(
                ("name", "UPN", "why", "licences"),
                (
                    (
                        "Alex Wilber",
                        "alex.wilber@contoso.com",
                        "sign-in blocked",
                        "Microsoft 365 E3",
                    ),
                    (
                        "Megan Bowen",
                        "megan.bowen@contoso.com",
                        "last active 120 days ago",
                        "Microsoft 365 E3",
                    ),
                ),
            ),
            Notice(Level.WARNING, "No free seats: Microsoft 365 E3."),
        ),
    )


def help_reply() -> Reply:
    return Reply(
        title="Deskhand commands",
        blocks=(
            Table(
                ("command", "what it does"),
                (
                    ("/help", "Show the commands you may run, or how to use one."),
                    ("/licenses", "Show each licence's purchased, assigned and free seats."),
                    ("/tenants", "List the customer tenants you may work on."),
                    ("/user", "Show one user: account, licences, groups, roles, MFA and sign-ins."),
                    ("/users", "List a tenant's users with filters and chosen columns."),
                ),
            ),
            Text("Type /help COMMAND for its options."),
        ),
    )


def error_reply() -> Reply:
    return Reply.error(
        "No user matches 'adel' in Contoso. Check the spelling, or list people with /users."
    )


def confirm_reply() -> Reply:
    """A destructive action awaiting a click, with a one-time secret and a form beside it."""
    return Reply(
        title="Reset the password of Adele Vance?",
        blocks=(
            Notice(Level.WARNING, "Adele will have to choose a new password at next sign-in."),
            Facts((("User", "adele.vance@contoso.com"), ("Tenant", "Contoso"))),
        ),
        buttons=(
            Button("Reset password", "pa_7Yb2kQ", "danger", "Reset the password of Adele Vance?"),
            Button("Add a note", "fu_3Hc9", "primary"),
            Button("Cancel", "pa_7Yb2kQ.cancel"),
        ),
        secret="Tmp-4821-Ka!",
        files=(
            File("adele.vance.csv", "text/csv", b"name,upn\r\nAdele Vance,adele@contoso.com\r\n"),
        ),
        form=Form(
            "fm_offboard_adele",
            "Offboard Adele Vance (adele.vance@contoso.com)",
            "Offboard",
            (
                Input("reason", "Reason", multiline=True, placeholder="Ticket number or why"),
                Input(
                    "mailbox",
                    "Mailbox",
                    choices=(("Convert to shared", "shared"), ("Keep", "keep")),
                    initial="shared",
                ),
                Input("forward", "Forward mail to", required=False),
            ),
        ),
    )


def hostile_reply(hostile: str) -> Reply:
    """`hostile` in every place a Reply shows data: title, each kind of block, a button."""
    return Reply(
        title=hostile,
        blocks=(
            Notice(Level.WARNING, hostile),
            Facts(((hostile, hostile),)),
            Heading(hostile),
            Text(hostile),
            Table(("name", "note"), ((hostile, "x"),), title=hostile),
        ),
        buttons=(Button("Block", "pa_1", "danger", f"Block {hostile}?"),),
    )


GOLDEN = {
    "user": user_reply,
    "users": lambda: users_reply(5),
    "users_long": lambda: users_reply(120),
    "licenses": licenses_reply,
    "help": help_reply,
    "error": error_reply,
    "confirm": confirm_reply,
}
