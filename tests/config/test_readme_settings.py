"""Every setting Deskhand reads is named in the README, so the two cannot drift apart."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from bot.config.settings import Settings
from bot.config.slack import SLACK_ENVIRONMENT
from bot.config.teams import TEAMS_ENVIRONMENT

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()

# Secrets and the bot's identity are read under their customary names (SLACK_BOT_TOKEN ...).
_CUSTOMARY = {
    (section, key): variable
    for section, names in (("slack", SLACK_ENVIRONMENT), ("teams", TEAMS_ENVIRONMENT))
    for variable, key in names.items()
}
# Filled in by Deskhand, not written by anyone: a tenant's name is its key in [tenants.NAME].
_FILLED_IN = {("tenants", "name")}


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    """The settings models an annotation holds: itself, or inside dict, list, tuple, Optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        if argument is not types.NoneType:
            yield from _models(argument)


def _leaves(model: type[BaseModel], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, field in model.model_fields.items():
        inner = list(_models(field.annotation))
        for sub in inner:
            yield from _leaves(sub, (*path, name))
        if not inner:
            yield (*path, name)


def _documented(path: tuple[str, ...]) -> bool:
    *section, key = path
    if not section:
        row = f"| `{key}` | `DESKHAND_{key.upper()}` |"
        return row in README
    customary = _CUSTOMARY.get((section[0], key))
    if customary is not None and f"`{customary}`" in README:
        return True
    dotted = re.escape(".".join(path))
    # A TOML line (perhaps commented out as an alternative), a table header, or `section.key`.
    forms = (rf"^\s*(# )?{re.escape(key)} = ", rf"^\[{dotted}\]", rf"`{dotted}\b")
    return any(re.search(form, README, re.MULTILINE) for form in forms)


def test_every_setting_is_named_in_the_readme() -> None:
    leaves = [path for path in _leaves(Settings) if path not in _FILLED_IN]
    assert ("graph_host",) in leaves
    assert ("approvals", "remind_minutes") in leaves
    assert [".".join(path) for path in leaves if not _documented(path)] == []
