"""What Deskhand's app must be granted: per command, and the union to consent to.

Each command's spec lists what it needs (`CommandSpec.permissions`): Microsoft Graph application
permissions ("User.Read.All"), Exchange Online ones ("Exchange.ManageAsApp", an API of its own
in the app registration) and Microsoft Entra directory roles, written "Entra role: <name>".
`deskhand permissions` prints this; `deskhand doctor` compares it with what a tenant granted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.operator.terminal import print_table
from commands.kit.registry import CommandSpec

__all__ = [
    "EXCHANGE_API",
    "GRAPH_API",
    "CommandNeeds",
    "PermissionsReport",
    "api_of",
    "collect",
    "how_to_grant",
    "needed_by",
    "print_report",
    "report_json",
]

GRAPH_API = "Microsoft Graph"
EXCHANGE_API = "Office 365 Exchange Online"
_ROLE_PREFIX = "Entra role:"
_DOCTOR = "deskhand doctor"
# What Deskhand reads about its own app: the permissions it was granted (access tokens are
# opaque to it), for `deskhand doctor` and the check before a destructive command is offered.
_OWN_NEEDS = {"Application.Read.All": (_DOCTOR, "the check before confirmations")}


def api_of(permission: str) -> str:
    """The API whose application permission this is, as the app registration lists it."""
    return EXCHANGE_API if permission.startswith("Exchange.") else GRAPH_API


@dataclass(frozen=True)
class CommandNeeds:
    command: str
    destructive: bool
    graph: tuple[str, ...]
    exchange: tuple[str, ...]
    roles: tuple[str, ...]

    @classmethod
    def of(cls, spec: CommandSpec) -> CommandNeeds:
        roles = [p.removeprefix(_ROLE_PREFIX).strip() for p in spec.permissions if _is_role(p)]
        apps = [p for p in spec.permissions if not _is_role(p)]
        return cls(
            command=spec.name,
            destructive=spec.destructive,
            graph=tuple(sorted(p for p in apps if api_of(p) == GRAPH_API)),
            exchange=tuple(sorted(p for p in apps if api_of(p) == EXCHANGE_API)),
            roles=tuple(sorted(roles)),
        )


def _is_role(permission: str) -> bool:
    return permission.startswith(_ROLE_PREFIX)


@dataclass(frozen=True)
class PermissionsReport:
    commands: tuple[CommandNeeds, ...]

    def _users(self, pick: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for needs in self.commands:
            for name in getattr(needs, pick):
                found.setdefault(name, []).append(needs.command)
        return {name: tuple(found[name]) for name in sorted(found)}

    @property
    def graph(self) -> Mapping[str, tuple[str, ...]]:
        """Each Graph application permission to consent to, and the commands needing it (and
        what Deskhand needs to read its own grants)."""
        found = {**_OWN_NEEDS, **self._users("graph")}
        return {name: found[name] for name in sorted(found)}

    @property
    def exchange(self) -> Mapping[str, tuple[str, ...]]:
        return self._users("exchange")

    @property
    def roles(self) -> Mapping[str, tuple[str, ...]]:
        """Each directory role the app's service principal must hold, and who needs it."""
        return self._users("roles")


def how_to_grant(api: str, app: str, tenant: str, consent_url: str) -> str:
    """Where an admin adds an application permission of `api` and consents to it."""
    where = "Microsoft Graph" if api == GRAPH_API else f"APIs my organization uses > {api}"
    return (
        "Microsoft Entra admin center > Identity > Applications > App registrations > the "
        f"Deskhand app ({app}) > API permissions > Add a permission > {where} > Application "
        f"permissions; then Grant admin consent for {tenant} (or have its Global "
        f"Administrator open {consent_url})"
    )


def needed_by(users: Iterable[str]) -> str:
    """ "/block, /revoke-sessions": commands with their slash, Deskhand's own uses as named."""
    return ", ".join(name if name in _OWN_NEEDS_USERS else f"/{name}" for name in users)


_OWN_NEEDS_USERS = frozenset(user for users in _OWN_NEEDS.values() for user in users)


def collect(specs: Iterable[CommandSpec]) -> PermissionsReport:
    """The commands that call Microsoft 365 (those declaring no permission are left out)."""
    needs = [CommandNeeds.of(spec) for spec in specs if spec.permissions]
    return PermissionsReport(tuple(sorted(needs, key=lambda n: n.command)))


def report_json(report: PermissionsReport) -> dict[str, Any]:
    return {
        "commands": [
            {
                "command": n.command,
                "destructive": n.destructive,
                "application_permissions": {
                    GRAPH_API: list(n.graph),
                    EXCHANGE_API: list(n.exchange),
                },
                "directory_roles": list(n.roles),
            }
            for n in report.commands
        ],
        "consent": {
            GRAPH_API: {name: list(users) for name, users in report.graph.items()},
            EXCHANGE_API: {name: list(users) for name, users in report.exchange.items()},
        },
        "directory_roles": {name: list(users) for name, users in report.roles.items()},
    }


def _lines(names: Iterable[str]) -> str:
    return "\n".join(names) or "-"


def print_report(report: PermissionsReport, console: Console) -> None:
    per_command = Table(title="What each command needs", show_lines=True)
    for column in ("command", "Microsoft Graph (application)", "Exchange Online", "Entra role"):
        per_command.add_column(column, overflow="fold")
    for needs in report.commands:
        name = f"{needs.command} (destructive)" if needs.destructive else needs.command
        per_command.add_row(name, _lines(needs.graph), _lines(needs.exchange), _lines(needs.roles))
    print_table(console, per_command)
    union = Table(title="What to grant Deskhand's app (admin consent per tenant)")
    for column in ("grant", "kind", "needed by"):
        union.add_column(column, overflow="fold")
    for api, names in ((GRAPH_API, report.graph), (EXCHANGE_API, report.exchange)):
        for name, users in names.items():
            union.add_row(name, f"{api} application permission", ", ".join(users))
    for role, users in report.roles.items():
        union.add_row(role, "Microsoft Entra directory role", ", ".join(users))
    print_table(console, union)
