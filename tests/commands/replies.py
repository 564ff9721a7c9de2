"""Reading Replies in tests: facts by label, table rows, all the text."""

from __future__ import annotations

from cards.reply import Facts, Notice, Reply, Table


def facts(reply: Reply) -> dict[str, str]:
    found: dict[str, str] = {}
    for block in reply.blocks:
        if isinstance(block, Facts):
            found.update(block.items)
    return found


def tables(reply: Reply) -> list[Table]:
    return [block for block in reply.blocks if isinstance(block, Table)]


def column(table: Table, name: str) -> list[str]:
    index = table.columns.index(name)
    return [row[index] for row in table.rows]


def notices(reply: Reply) -> list[str]:
    return [block.text for block in reply.blocks if isinstance(block, Notice)]


def text(reply: Reply) -> str:
    parts = [reply.title]
    for block in reply.blocks:
        if isinstance(block, Facts):
            parts.extend(f"{k}: {v}" for k, v in block.items)
        elif isinstance(block, Table):
            parts.extend(" | ".join(row) for row in block.rows)
        else:
            parts.append(getattr(block, "text", ""))
    return "\n".join(parts)
