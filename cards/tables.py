"""What every renderer does the same with a table: how many rows to show at most, the CSV of
every row (safe to open in a spreadsheet), its file name, and the caption that says what was
left out of the message and where it went."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from cards.reply import Block, File, Reply, Table

__all__ = [
    "MAX_TABLE_ROWS",
    "csv_name",
    "printable",
    "render_blocks",
    "spreadsheet_text",
    "table_caption",
    "table_csv",
    "unique_name",
]

MAX_TABLE_ROWS = 40
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Rendered = TypeVar("Rendered")


def render_blocks(
    reply: Reply,
    render_block: Callable[[Block], Iterable[Rendered]],
    render_table: Callable[[Table, str], tuple[Iterable[Rendered], File | None]],
) -> tuple[list[Rendered], list[File]]:
    """The reply's blocks rendered in order, and the CSV of each table too big to show whole,
    named from the table's title apart from Reply.files and from each other."""
    rendered: list[Rendered] = []
    files: list[File] = []
    taken = {file.filename for file in reply.files}
    for block in reply.blocks:
        if not isinstance(block, Table):
            rendered.extend(render_block(block))
            continue
        name = unique_name(csv_name(block.title or reply.title), taken)
        parts, file = render_table(block, name)
        rendered.extend(parts)
        if file is not None:
            taken.add(file.filename)
            files.append(file)
    return rendered, files


def csv_name(title: str) -> str:
    """A file name from a table's title: lower-case words joined by dashes."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return f"{stem or 'table'}.csv"


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name` numbered -2, -3 ... before its extension, whichever is not taken."""
    stem, dot, extension = name.rpartition(".")
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}{dot}{extension}"
    return candidate


def table_caption(table: Table, shown: int, filename: str) -> str:
    """Says how many rows are shown and where the others are; "" when all are shown.

    `filename` is the attached CSV's name, or "" when nothing is attached.
    """
    carried = len(table.rows)
    total = max(table.total or 0, carried)
    if filename and total > carried:
        return (
            f"Showing {shown} of {total} rows — the attached CSV, {filename}, "
            f"holds the {carried} in this reply."
        )
    if filename:
        return f"Showing {shown} of {total} rows — all rows in the attached CSV, {filename}."
    if total > shown:
        return f"Showing {shown} of {total} rows."
    return "No rows." if total == 0 else ""


def table_csv(table: Table, filename: str) -> File:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(tuple(map(spreadsheet_text, row)) for row in table.rows)
    return File(filename, "text/csv", buffer.getvalue().encode("utf-8"))


def printable(value: str) -> str:
    """Without the control characters spreadsheets refuse (directory data can hold them)."""
    return _CONTROL.sub("", value)


def spreadsheet_text(value: str) -> str:
    """A CSV cell that stays text: spreadsheets run cells starting with `=`, `+`, `-` or `@`
    as formulas."""
    value = printable(value)
    return "'" + value if value.startswith(_FORMULA_START) else value
