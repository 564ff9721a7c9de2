"""Tables for Block Kit: aligned monospace sections, the rest of the rows as a CSV file.

Slack has no table block a bot can rely on, so a table is a code block aligned by column,
split into sections of at most 3,000 characters (each repeating the header line). A table
longer than a page should hold shows its first rows and attaches every row as CSV, and says
so: rows are never dropped without a word. The CSV and the caption come from `cards.tables`,
shared with the Adaptive Card renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

from cards.blockkit_text import MAX_TEXT, escape, escaped_cost, mrkdwn, mrkdwn_sections
from cards.reply import File, Table
from cards.tables import MAX_TABLE_ROWS, csv_name, table_caption, table_csv

__all__ = ["MAX_TABLE_ROWS", "MAX_TABLE_SECTIONS", "TableRender", "csv_name", "render_table"]

MAX_TABLE_SECTIONS = 8
_FENCE = "```"
_GAP = "  "
# A backtick in a cell could close the code block early, and a line break would split a row.
_CELL_SAFE = str.maketrans({"`": "\u02cb", "\n": " ", "\r": " ", "\t": " "})

Block = dict[str, Any]


@dataclass(frozen=True)
class TableRender:
    blocks: tuple[Block, ...]
    file: File | None


def render_table(table: Table, filename: str) -> TableRender:
    """The table's blocks; `filename` names the CSV attached when not every row fits."""
    shown, sections = _fit(table)
    file = table_csv(table, filename) if shown < len(table.rows) else None
    blocks: list[Block] = []
    if table.title:
        blocks.extend(mrkdwn_sections(table.title, prefix="*", suffix="*"))
    blocks.extend({"type": "section", "text": mrkdwn(text)} for text in sections)
    note = table_caption(table, shown, filename if file else "")
    if note:
        blocks.append({"type": "context", "elements": [mrkdwn(escape(note))]})
    return TableRender(tuple(blocks), file)


def _fit(table: Table) -> tuple[int, list[str]]:
    """How many leading rows to show, and their sections: the most that keep within limits."""
    for count in range(min(len(table.rows), MAX_TABLE_ROWS), -1, -1):
        sections = _sections(table.columns, table.rows[:count])
        if sections is not None and len(sections) <= MAX_TABLE_SECTIONS:
            return count, sections
    return 0, []


def _sections(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[str] | None:
    """Code-block section texts, or None when one line cannot fit in a section."""
    cells = [[value.translate(_CELL_SAFE) for value in row] for row in (columns, *rows)]
    widths = [max(cell_len(value) for value in column) for column in zip(*cells, strict=True)]
    header, *lines = (_line(row, widths) for row in cells)
    budget = MAX_TEXT - len(f"{_FENCE}\n\n{_FENCE}")
    if _cost(header) > budget:
        return None
    groups: list[list[str]] = [[header]]
    used = _cost(header)
    for line in lines:
        size = 1 + _cost(line)
        if _cost(header) + size > budget:
            return None
        if used + size > budget:
            groups.append([header])
            used = _cost(header)
        groups[-1].append(line)
        used += size
    texts = (escape("\n".join(group)) for group in groups)
    return [f"{_FENCE}\n{text}\n{_FENCE}" for text in texts]


def _line(values: list[str], widths: list[int]) -> str:
    padded = (
        value + " " * (width - cell_len(value)) for value, width in zip(values, widths, strict=True)
    )
    return _GAP.join(padded).rstrip()


def _cost(line: str) -> int:
    return sum(map(escaped_cost, line))
