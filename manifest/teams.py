"""The Teams app package that `deskhand manifest teams` writes, checked against Teams' schema.

The package is a zip of `manifest.json` and the two icons at its root, which Teams' "Upload an
app" and the Developer Portal import. The manifest declares one bot (the Entra app Deskhand signs
in as) in personal chats, teams and group chats, with a command menu per scope. It is validated
with the official schema 1.29 (OfficeDev/microsoft-teams-app-schema, shipped in
`manifest/schemas/teams/`) before the zip is written.

No `webApplicationInfo`: it serves single sign-on in tabs and resource-specific consent, and
Deskhand needs neither, since each Teams activity already names the sender's tenant and object id.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, validators  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from commands.kit.registry import CommandSpec, Registry
from core.errors import ConfigurationError, UserError
from core.ids import entra_id
from manifest.icons import COLOR_ICON, OUTLINE_ICON
from manifest.icons.draw import ACCENT_COLOR
from manifest.schema import fit, https_origin, schema_problems

__all__ = [
    "BOT_SCOPES",
    "MAX_MENU_COMMANDS",
    "PLACEHOLDER_SITE",
    "SCHEMA_URL",
    "build_teams_package",
    "teams_manifest",
    "validate_teams_manifest",
]


class TeamsApp(Protocol):
    """What the manifest needs of the Teams settings: the bot's app id, when configured."""

    @property
    def app_id(self) -> str | None: ...


MANIFEST_VERSION = "1.29"
SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.29/MicrosoftTeams.schema.json"
)
BOT_SCOPES = ("personal", "team", "groupChat")
MAX_MENU_COMMANDS = 12
MENU_ORDER = (
    "help",
    "user",
    "users",
    "block",
    "unblock",
    "reset-password",
    "revoke-sessions",
    "licenses",
    "pending",
    "audit",
    "tenants",
)
CARD_ONLY = frozenset({"confirm", "cancel", "approve", "deny"})
"""Teams shows at most this many commands in a bot's menu for one scope."""

PLACEHOLDER_SITE = "https://www.example.com"
"""Developer pages when no URL is given; the README tells the operator to replace them."""

NAME = "Deskhand"
FULL_NAME = "Deskhand for Microsoft 365"
DEVELOPER = "Deskhand"
SHORT_DESCRIPTION = "Microsoft 365 user lookups and actions for your customers' tenants."

# Teams cuts a menu entry's description at 128 characters; the schema would allow 4,000.
_MENU_DESCRIPTION = 128
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_SCHEMA = "schemas/teams/teams-manifest-1.29.json"
_LETTER = r"\p{L}"


def teams_manifest(
    *,
    app_id: str,
    url: str | None,
    settings: TeamsApp,
    registry: Registry,
    version: str,
) -> dict[str, Any]:
    """A manifest (schema 1.29) for the bot `app_id`, with developer pages under `url`."""
    bot_id = _bot_id(app_id, settings)
    site = _site(url)
    manifest: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": bot_id,
        "developer": {
            "name": DEVELOPER,
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": NAME, "full": FULL_NAME},
        "description": {"short": SHORT_DESCRIPTION, "full": _full_description(registry)},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": bot_id,
                "scopes": list(BOT_SCOPES),
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": _command_lists(registry),
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
    }
    if url is not None:
        manifest["validDomains"] = [urlsplit(site).hostname]
    return manifest


def validate_teams_manifest(manifest: Mapping[str, Any]) -> list[str]:
    """Readable schema errors (`where: what`), none when Teams would accept the manifest."""
    found = schema_problems(_validator(), manifest)
    version = manifest.get("version")
    if isinstance(version, str) and not _SEMVER.match(version):
        found.add(f"version: {version!r} is not a version like 1.0.0 (major.minor.patch)")
    return sorted(found)


def build_teams_package(
    *,
    app_id: str | None,
    url: str | None,
    settings: TeamsApp,
    registry: Registry,
    out: Path,
    version: str = "1.0.0",
) -> Path:
    """Write the app package to `out` once its manifest passes the schema; returns `out`.

    Without `app_id`, the bot is the one the settings sign in as (`MICROSOFT_APP_ID`).
    """
    chosen = app_id or settings.app_id
    if chosen is None:
        raise UserError("Name the bot's app id: pass --app-id or set MICROSOFT_APP_ID.")
    manifest = teams_manifest(
        app_id=chosen, url=url, settings=settings, registry=registry, version=version
    )
    problems = validate_teams_manifest(manifest)
    if problems:
        lines = "\n".join(f"- {problem}" for problem in problems)
        raise ConfigurationError(f"The Teams manifest does not pass Teams' schema:\n{lines}")
    files = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
        COLOR_ICON: _icon(COLOR_ICON),
        OUTLINE_ICON: _icon(OUTLINE_ICON),
    }
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
            for name, data in files.items():
                package.writestr(name, data)
    except OSError as exc:
        raise UserError(
            f"Cannot write the Teams package to {out} ({exc.strerror or 'unwritable'}); "
            "check that its folder exists and is writable."
        ) from None
    return out


def _bot_id(app_id: str, settings: TeamsApp) -> str:
    try:
        bot_id = entra_id(app_id)
    except ValueError as exc:
        raise UserError(f"The app id {exc}: the bot's Application (client) ID.") from None
    if settings.app_id is not None and settings.app_id != bot_id:
        raise UserError(
            f"The app id {bot_id} is not MICROSOFT_APP_ID ({settings.app_id}), the app Deskhand "
            "signs in as; Teams would deliver the bot's messages to another app."
        )
    return bot_id


def _site(url: str | None) -> str:
    if url is None:
        return PLACEHOLDER_SITE
    origin = https_origin(url)
    if origin is None:
        raise UserError(
            "The URL must be the HTTPS origin Deskhand is served at, like "
            "https://bot.example.com (no path or query)."
        )
    return origin


def _full_description(registry: Registry) -> str:
    names = ", ".join(spec.name for spec in registry)
    return (
        "Deskhand answers technicians in chat: look up Microsoft 365 users, their sign-in, MFA "
        "and licences, and act on them in the right customer tenant, with confirmation, "
        f"approvals and an audit trail. Commands: {names}. Send help to see what you may run."
    )


def _command_lists(registry: Registry) -> list[dict[str, Any]]:
    return [{"scopes": [scope], "commands": _menu(registry)} for scope in BOT_SCOPES]


def _menu(registry: Registry) -> list[dict[str, str]]:
    """Help first, since it lists everything the menu has no room for; then what technicians
    start with; then the rest by name. Decisions come from cards' buttons, not the menu."""

    def rank(spec: CommandSpec) -> tuple[int, str]:
        known = spec.name in MENU_ORDER
        return (MENU_ORDER.index(spec.name) if known else len(MENU_ORDER), spec.name)

    specs = sorted((s for s in registry if s.name not in CARD_ONLY), key=rank)
    return [
        {"title": spec.name, "description": fit(spec.summary, _MENU_DESCRIPTION)}
        for spec in specs[:MAX_MENU_COMMANDS]
    ]


def _icon(name: str) -> bytes:
    return resources.files("manifest.icons").joinpath(name).read_bytes()


def _pattern(
    validator: Draft7Validator, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(_spell_letters(pattern) if _LETTER in pattern else pattern)


def _spell_letters(pattern: str) -> str:
    """`\\p{L}` as the ranges of letters Python knows, bracketed unless already in a class."""
    out: list[str] = []
    in_class = escaped = False
    index = 0
    while index < len(pattern):
        if not escaped and pattern.startswith(_LETTER, index):
            out.append(_letter_ranges() if in_class else f"[{_letter_ranges()}]")
            index += len(_LETTER)
            continue
        char = pattern[index]
        if not escaped and char in "[]":
            in_class = char == "["
        escaped = char == "\\" and not escaped
        out.append(char)
        index += 1
    return "".join(out)


@cache
def _letter_ranges() -> str:
    letters = [
        code
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)).startswith("L")
    ]
    runs: list[list[int]] = []
    for code in letters:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    # Letters are never special inside a class, so the ranges need no escaping.
    return "".join(chr(first) + (f"-{chr(last)}" if last > first else "") for first, last in runs)


_TeamsValidator = validators.extend(Draft7Validator, validators={"pattern": _pattern})


@cache
def _validator() -> Draft7Validator:
    text = resources.files("manifest").joinpath(_SCHEMA).read_text(encoding="utf-8")
    # Built directly: check_schema would compile every pattern, `\p{L}` included.
    return _TeamsValidator(json.loads(text))
