"""The channel-neutral reply every command returns and every renderer draws.

A `Reply` is an ordered list of blocks plus what sits beside them (buttons, a secret for the
requester only, files). It holds no platform keys: each renderer degrades what its platform
cannot show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict

from core.errors import as_sentence

__all__ = [
    "Block",
    "Button",
    "Data",
    "Facts",
    "File",
    "Form",
    "Heading",
    "Input",
    "Level",
    "Notice",
    "Reply",
    "Table",
    "Text",
]


class Level(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Facts:
    """Label/value pairs, drawn as a two-column list."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """Rows of strings; `total` is the full count when only the first rows are shown."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    total: int | None = None


@dataclass(frozen=True)
class Notice:
    level: Level
    text: str


Block = Heading | Text | Facts | Table | Notice

Data = Mapping[str, Any] | Sequence[Mapping[str, Any]]
"""What a reply says as data for scripts (`--json`): JSON-serialisable, typed values (true, not
"Enabled"), Graph's own property names where the data comes from Graph; one object per row."""


@dataclass(frozen=True)
class Button:
    """A button carries only an id; a click is authorised again like any command.

    A command may instead give `command`, the line the button runs for whoever clicks it; the
    router stores it and hands renderers a button with only the stored follow-up's id.
    """

    label: str
    action_id: str = ""
    style: str = "default"
    confirm: str = ""
    command: str = ""


@dataclass(frozen=True)
class Input:
    """One field of a form; `choices` makes it a pick-one list."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    """(label, value) pairs."""
    multiline: bool = False
    required: bool = True
    placeholder: str = ""
    initial: str = ""


@dataclass(frozen=True)
class Form:
    """Fields to fill before something runs (a modal in Slack, a card form in Teams).

    Like a button, a submitted form carries only `form_id`; its values are validated again.
    """

    form_id: str
    title: str
    submit_label: str
    inputs: tuple[Input, ...]


@dataclass(frozen=True)
class File:
    __pydantic_config__ = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    filename: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class Reply:
    title: str = ""
    blocks: tuple[Block, ...] = ()
    buttons: tuple[Button, ...] = ()
    secret: str = field(default="", repr=False)
    files: tuple[File, ...] = ()
    form: Form | None = None
    level: Level = Level.INFO
    private: bool = False
    """Only the requester should see it (a confirmation card); renderers keep it so."""
    mentions: tuple[str, ...] = ()
    """People to notify, by e-mail address (approvers on an approval card)."""
    data: Data | None = None
    """The command's result as data, beside the blocks that draw it; chat renderers ignore it.
    None: derived from the facts and tables (`cards.data.reply_data`). Never holds the secret."""
    command: str = ""
    tenant: str = ""
    """Which command answered, in which tenant: set by the router, for `--json`."""

    @property
    def failed(self) -> bool:
        return self.level is Level.ERROR

    @classmethod
    def error(cls, text: str, usage: str = "") -> Reply:
        """An error notice that ends as a sentence, then the usage line when there is one."""
        text = "\n".join(filter(None, (as_sentence(text), usage)))
        return cls(blocks=(Notice(Level.ERROR, text),), level=Level.ERROR)
