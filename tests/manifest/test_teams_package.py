from __future__ import annotations

import json
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from bot.config import TeamsSettings
from commands import REGISTRY
from core.errors import ConfigurationError, UserError
from manifest.teams import build_teams_package, teams_manifest

APP_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
URL = "https://bot.example.com"


def test_the_package_holds_the_manifest_and_both_icons_at_its_root(tmp_path: Path) -> None:
    out = tmp_path / "deskhand-teams.zip"

    written = build_teams_package(
        app_id=APP_ID, url=URL, settings=TeamsSettings(), registry=REGISTRY, out=out
    )

    assert written == out
    icons = resources.files("manifest.icons")
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert package.read("color.png") == icons.joinpath("color.png").read_bytes()
        assert package.read("outline.png") == icons.joinpath("outline.png").read_bytes()
    assert manifest == teams_manifest(
        app_id=APP_ID, url=URL, settings=TeamsSettings(), registry=REGISTRY, version="1.0.0"
    )


def test_without_an_app_id_the_bot_is_the_configured_app(tmp_path: Path) -> None:
    out = build_teams_package(
        app_id=None,
        url=None,
        settings=TeamsSettings(app_id=APP_ID),
        registry=REGISTRY,
        out=tmp_path / "deskhand-teams.zip",
        version="2.3.4",
    )

    with zipfile.ZipFile(out) as package:
        manifest = json.loads(package.read("manifest.json"))
    assert (manifest["id"], manifest["version"]) == (APP_ID, "2.3.4")


def test_no_app_id_anywhere_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pass --app-id or set MICROSOFT_APP_ID"):
        build_teams_package(
            app_id=None, url=URL, settings=TeamsSettings(), registry=REGISTRY, out=tmp_path / "p"
        )


def test_a_manifest_the_schema_refuses_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "deskhand-teams.zip"

    with pytest.raises(ConfigurationError) as caught:
        build_teams_package(
            app_id=APP_ID,
            url=URL,
            settings=TeamsSettings(),
            registry=REGISTRY,
            out=out,
            version="1",
        )

    assert caught.value.message.splitlines() == [
        "The Teams manifest does not pass Teams' schema:",
        "- version: '1' is not a version like 1.0.0 (major.minor.patch)",
    ]
    assert not out.exists()


def test_a_package_path_in_a_missing_folder_says_what_to_check(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "deskhand-teams.zip"

    with pytest.raises(UserError, match="check that its folder exists and is writable"):
        build_teams_package(
            app_id=APP_ID, url=URL, settings=TeamsSettings(), registry=REGISTRY, out=out
        )
