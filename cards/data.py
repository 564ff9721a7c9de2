"""A Reply as data for scripts (`deskhand run --json`): what the command found, not its blocks.

    {"command": "user", "tenant": "contoso", "ok": true, "data": {...}, "text": "..."}

`data` is the command's own (`Reply.data`), else derived from its facts (label → value) and
tables (one object per row, keys from the column names), so every command gives something a
script can use. The secret, when there is one, is only in its own `secret` field: never in
`data` or `text`. Pure: the text is drawn into memory.
"""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

from rich.console import Console

from cards.reply import Data, Facts, Notice, Reply, Table
from cards.text import render_text

__all__ = ["reply_data", "reply_to_json"]

_WIDTH = 100


def reply_data(reply: Reply) -> Data:
    if reply.data is not None:
        return reply.data
    facts: dict[str, Any] = {}
    tables = [block for block in reply.blocks if isinstance(block, Table)]
    for block in reply.blocks:
        if isinstance(block, Facts):
            facts.update(block.items)
    if not facts and len(tables) == 1:
        return _rows(tables[0])
    for number, table in enumerate(tables, start=1):
        facts[table.title or ("rows" if number == 1 else f"rows {number}")] = _rows(table)
    if not facts:
        facts["messages"] = [block.text for block in reply.blocks if isinstance(block, Notice)]
    return facts


def reply_to_json(reply: Reply) -> str:
    document: dict[str, Any] = {
        "command": reply.command or None,
        "tenant": reply.tenant or None,
        "ok": not reply.failed,
        "data": reply_data(reply),
        "text": _plain_text(dataclasses.replace(reply, secret="")),
    }
    if reply.secret:
        document["secret"] = reply.secret
    if reply.files:
        document["files"] = [
            {"filename": file.filename, "media_type": file.media_type} for file in reply.files
        ]
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)


def _rows(table: Table) -> list[dict[str, str]]:
    return [dict(zip(table.columns, row, strict=False)) for row in table.rows]


def _plain_text(reply: Reply) -> str:
    drawn = io.StringIO()
    Console(file=drawn, width=_WIDTH, color_system=None, highlight=False).print(render_text(reply))
    text = drawn.getvalue()
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()
