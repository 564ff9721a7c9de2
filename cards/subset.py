"""A reply cut down to some people's rows: what a line manager may see of a digest.

`only_rows` keeps, of each table with the column, the rows of the people kept, and the
headings above the tables that still have rows. Everything else is tenant-wide — facts, the
change since last time with other people's names, notices, the trend chart, buttons that run
the command on the whole tenant — and goes, so a manager never sees figures or names beyond
their own reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from cards.reply import Block, Heading, Level, Notice, Reply, Table

__all__ = ["only_rows"]

_CUT = (
    "The digest showed only the first {shown} of {total} rows of {title}; some of your "
    "reports may be missing from it."
)


def only_rows(reply: Reply, *, column: str = "UPN", keep: frozenset[str]) -> Reply:
    """`reply` with only the rows whose `column` is in `keep` (compared case-insensitively)."""
    wanted = frozenset(value.casefold() for value in keep)
    blocks: list[Block] = []
    heading: Heading | None = None
    for block in reply.blocks:
        if isinstance(block, Heading):
            heading = block
        elif isinstance(block, Table) and column in block.columns:
            kept = _kept(block, column, wanted)
            if kept is None:
                continue
            blocks.extend(b for b in (heading, *kept) if b is not None)
            heading = None
    return dataclasses.replace(
        reply,
        blocks=tuple(blocks),
        buttons=(),
        files=(),
        secret="",
        form=None,
        data=_data(reply.data, wanted),
    )


def _kept(table: Table, column: str, wanted: frozenset[str]) -> tuple[Block, ...] | None:
    index = table.columns.index(column)
    rows = tuple(row for row in table.rows if row[index].casefold() in wanted)
    if not rows:
        return None
    kept: tuple[Block, ...] = (dataclasses.replace(table, rows=rows, total=None),)
    if table.total is not None and table.total > len(table.rows):
        text = _CUT.format(shown=len(table.rows), total=table.total, title=table.title or "a table")
        kept += (Notice(Level.WARNING, text),)
    return kept


def _data(data: object, wanted: frozenset[str]) -> Mapping[str, object] | None:
    """The reply's data with only the kept people's rows, and no tenant-wide metrics."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rows"), list):
        return None
    rows = [
        row
        for row in data["rows"]
        if isinstance(row, Mapping) and str(row.get("userPrincipalName", "")).casefold() in wanted
    ]
    kept = {key: data[key] for key in ("tenant", "kind") if key in data}
    return {**kept, "rows": rows}
