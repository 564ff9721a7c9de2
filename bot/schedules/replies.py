"""A `Reply` as the send ledger keeps it: JSON, files as base64, every block tagged with its
kind (a `Heading` and a `Text` have the same fields, so the bare union cannot tell them apart).
The secret is never kept: a scheduled command has none to give."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter

from cards.reply import Block, Facts, Heading, Notice, Reply, Table, Text

__all__ = ["dump_reply", "load_reply"]

_REPLY = TypeAdapter(Reply)
_BLOCKS: dict[str, TypeAdapter[Any]] = {
    kind.__name__: TypeAdapter(kind) for kind in (Heading, Text, Facts, Table, Notice)
}


def dump_reply(reply: Reply) -> dict[str, Any]:
    bare = dataclasses.replace(reply, blocks=(), secret="")
    return {
        "reply": json.loads(_REPLY.dump_json(bare)),
        "blocks": [
            [type(block).__name__, _BLOCKS[type(block).__name__].dump_python(block, mode="json")]
            for block in reply.blocks
        ],
    }


def load_reply(stored: Mapping[str, Any]) -> Reply:
    bare = _REPLY.validate_json(json.dumps(stored["reply"]))
    blocks: tuple[Block, ...] = tuple(
        _BLOCKS[kind].validate_python(value) for kind, value in stored["blocks"]
    )
    return dataclasses.replace(bare, blocks=blocks)
