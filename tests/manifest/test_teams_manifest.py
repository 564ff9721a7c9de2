from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from pydantic import BaseModel

from bot.config import TeamsSettings
from cards.reply import Reply
from commands import REGISTRY
from commands.kit.context import CommandContext
from commands.kit.registry import Registry, command
from core.errors import UserError
from manifest.teams import (
    MAX_MENU_COMMANDS,
    PLACEHOLDER_SITE,
    SCHEMA_URL,
    teams_manifest,
    validate_teams_manifest,
)

APP_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
URL = "https://bot.example.com"
SCOPES = ["personal", "team", "groupChat"]


class NoArgs(BaseModel):
    pass


def registry_of(*names: str, summary: str = "A generated command.") -> Registry:
    registry = Registry()
    for name in names:

        async def handler(ctx: CommandContext, args: NoArgs) -> Reply:
            return Reply(title="generated")

        handler.__doc__ = summary
        command(name, args=NoArgs, registry=registry)(handler)
    return registry


def packaged_schema() -> dict[str, Any]:
    text = resources.files("manifest").joinpath("schemas/teams/teams-manifest-1.29.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def build(**options: Any) -> dict[str, Any]:
    return teams_manifest(
        app_id=options.pop("app_id", APP_ID),
        url=options.pop("url", URL),
        settings=options.pop("settings", TeamsSettings()),
        registry=options.pop("registry", REGISTRY),
        version=options.pop("version", "1.0.0"),
    )


def bot_of(manifest: dict[str, Any]) -> dict[str, Any]:
    (bot,) = manifest["bots"]
    assert isinstance(bot, dict)
    return bot


@pytest.mark.parametrize(
    "options",
    [{}, {"url": None}, {"registry": registry_of(*(f"c{n:02}" for n in range(20)), "help")}],
    ids=["with-url", "placeholder-site", "more-commands-than-the-menu-holds"],
)
def test_manifests_pass_the_teams_schema(options: dict[str, Any]) -> None:
    assert validate_teams_manifest(build(**options)) == []


def test_the_manifest_declares_one_bot_in_three_scopes_with_a_menu_each() -> None:
    manifest = build(app_id=APP_ID.upper())

    assert manifest["$schema"] == SCHEMA_URL
    assert manifest["manifestVersion"] == "1.29"
    assert manifest["id"] == APP_ID
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["validDomains"] == ["bot.example.com"]
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    bot = bot_of(manifest)
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == SCOPES
    assert (bot["supportsFiles"], bot["isNotificationOnly"]) == (True, False)
    assert [entry["scopes"] for entry in bot["commandLists"]] == [[scope] for scope in SCOPES]
    menu = bot["commandLists"][0]["commands"]
    titles = [item["title"] for item in menu]
    assert titles[:3] == ["help", "user", "users"] and len(titles) == MAX_MENU_COMMANDS
    assert all(REGISTRY.get(title) for title in titles)
    assert not {"confirm", "approve", "deny", "cancel"} & set(titles)
    assert menu[0]["description"] == REGISTRY.get("help").summary  # type: ignore[union-attr]


def test_developer_pages_come_from_the_url_or_an_obvious_placeholder() -> None:
    served = build()["developer"]
    placeholder = build(url=None)

    assert served["websiteUrl"] == URL
    assert served["privacyUrl"] == f"{URL}/privacy"
    assert served["termsOfUseUrl"] == f"{URL}/terms"
    assert placeholder["developer"]["websiteUrl"] == PLACEHOLDER_SITE
    assert "validDomains" not in placeholder
    assert build(url="https://bot.example.com:8443")["validDomains"] == ["bot.example.com"]


def test_the_menu_keeps_help_and_the_first_eleven_other_commands() -> None:
    names = [f"c{number:02}" for number in range(20)]
    manifest = build(registry=registry_of(*names, "help"))

    for entry in bot_of(manifest)["commandLists"]:
        titles = [item["title"] for item in entry["commands"]]
        assert titles == ["help", *names[: MAX_MENU_COMMANDS - 1]]


def test_long_summaries_are_cut_to_what_the_menu_shows() -> None:
    summary = "Show " + "a very long summary " * 10 + "end."
    manifest = build(registry=registry_of("help", summary=summary))

    description = bot_of(manifest)["commandLists"][0]["commands"][0]["description"]
    assert len(description) <= 128
    assert description.endswith("…")
    assert summary.startswith(description.removesuffix("…"))


def test_a_wrong_manifest_version_is_caught_where_draft_4_would_miss_it() -> None:
    manifest = build() | {"manifestVersion": "1.5"}
    # The schema declares draft-04, whose validator ignores `const`.
    draft4 = Draft4Validator(packaged_schema())

    assert validate_teams_manifest(manifest) == ["manifestVersion: '1.29' was expected"]
    assert list(draft4.iter_errors(manifest)) == []


def test_thirteen_commands_in_one_list_are_reported() -> None:
    manifest = build()
    menu = bot_of(manifest)["commandLists"][0]["commands"]
    menu += [{"title": f"c{number}"} for number in range(13 - len(menu))]

    (problem,) = validate_teams_manifest(manifest)
    assert problem.startswith("bots[0].commandLists[0].commands: ")
    assert "is too long" in problem


def test_bot_scopes_are_case_sensitive() -> None:
    manifest = build()
    bot_of(manifest)["scopes"] = ["personal", "groupchat"]

    assert validate_teams_manifest(manifest) == [
        "bots[0].scopes[1]: 'groupchat' is not one of ['team', 'personal', 'groupChat', 'copilot']"
    ]


def test_a_version_that_is_not_major_minor_patch_is_reported() -> None:
    assert validate_teams_manifest(build(version="1.0")) == [
        "version: '1.0' is not a version like 1.0.0 (major.minor.patch)"
    ]


@pytest.mark.parametrize(("name", "valid"), [("Sümme.x", True), ("1abc", False)])
def test_the_unicode_letter_pattern_is_checked_not_skipped(name: str, valid: bool) -> None:
    # An Excel custom function's name is the one place the schema uses \p{L}.
    manifest = build()
    manifest["extensions"] = [
        {"runtimes": [{"customFunctions": {"functions": [{"id": "SUM2", "name": name}]}}]}
    ]

    problems = validate_teams_manifest(manifest)

    name_problems = [
        p for p in problems if p.endswith(r"does not match '^[\\p{L}][\\p{L}0-9._]*$'")
    ]
    assert bool(name_problems) is not valid
    assert problems  # the rest of the stub extension is incomplete either way


@pytest.mark.parametrize("app_id", ["deskhand", "6f1c2d3e4b5a4c6d8e7f9a0b1c2d3e4f"])
def test_an_app_id_that_is_no_guid_is_refused(app_id: str) -> None:
    with pytest.raises(UserError, match=r"must be a GUID .* Application \(client\) ID"):
        build(app_id=app_id)


def test_the_bot_must_be_the_app_deskhand_signs_in_as() -> None:
    other = "f0e1d2c3-b4a5-4968-8776-a5b4c3d2e1f0"

    with pytest.raises(UserError, match=f"is not MICROSOFT_APP_ID \\({other}\\)"):
        build(settings=TeamsSettings(app_id=other))
    assert build(settings=TeamsSettings(app_id=APP_ID.upper()))["id"] == APP_ID


@pytest.mark.parametrize(
    "url", ["http://bot.example.com", "https://bot.example.com/api/messages", "bot.example.com"]
)
def test_the_url_must_be_an_https_origin(url: str) -> None:
    with pytest.raises(UserError, match="HTTPS origin"):
        build(url=url)
