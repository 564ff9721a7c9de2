"""Tables for Adaptive Cards: the 1.5 `Table` element, the rest of the rows as a CSV file.

A table shows at most its first 40 rows, in Table elements of bounded size (each repeating
the header row) so that they can page across cards; a row too large for one stops the rows
shown there. Whatever is not shown comes attached as CSV, and a caption says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from cards.adaptive_text import (
    ITEM_GAP,
    Element,
    json_size,
    markdown,
    text_block,
    text_blocks,
)
from cards.reply import File, Table
from cards.tables import MAX_TABLE_ROWS, table_caption, table_csv

__all__ = ["TableRender", "render_table"]

MAX_TABLE_BYTES = 20_000
"""One Table element at most: a card (28 KB) holds one beside a title and notices."""
MAX_TABLE_PIECES = 3
# Column weights follow the longest cell, within bounds, so an address gets more room than
# a yes/no column without squeezing the others to nothing.
_MIN_WEIGHT, _MAX_WEIGHT = 4, 30


@dataclass(frozen=True)
class TableRender:
    elements: tuple[Element, ...]
    file: File | None


def render_table(table: Table, filename: str) -> TableRender:
    """The table's elements; `filename` names the CSV attached when not every row is shown."""
    _check_shape(table)
    shown, pieces = _fit(table)
    file = table_csv(table, filename) if shown < len(table.rows) else None
    elements: list[Element] = []
    if table.title.strip():
        elements.extend(text_blocks(table.title.strip(), weight="Bolder"))
    elements.extend(pieces)
    note = table_caption(table, shown, filename if file else "")
    if note:
        elements.append(text_block(markdown(note), isSubtle=True, size="Small"))
    return TableRender(tuple(elements), file)


def _check_shape(table: Table) -> None:
    width = len(table.columns)
    if not width:
        raise ValueError("a table needs at least one column")
    if any(len(row) != width for row in table.rows):
        raise ValueError(f"every row of a table must have its {width} columns")


def _fit(table: Table) -> tuple[int, list[Element]]:
    """How many leading rows to show, and the Table elements holding them."""
    columns = _columns(table)
    header = _row(table.columns, weight="Bolder")
    empty = json_size(_table(columns, header, []))
    pieces: list[list[Element]] = [[]]
    used = empty
    for values in table.rows[:MAX_TABLE_ROWS]:
        row = _row(values)
        size = json_size(row) + ITEM_GAP
        if empty + size > MAX_TABLE_BYTES:
            break
        if used + size > MAX_TABLE_BYTES:
            if len(pieces) == MAX_TABLE_PIECES:
                break
            pieces.append([])
            used = empty
        pieces[-1].append(row)
        used += size
    shown = sum(map(len, pieces))
    return shown, [_table(columns, header, rows) for rows in pieces]


def _columns(table: Table) -> list[Element]:
    shown = (table.columns, *table.rows[:MAX_TABLE_ROWS])
    longest = [max(map(len, cells)) for cells in zip(*shown, strict=True)]
    return [{"width": min(max(length, _MIN_WEIGHT), _MAX_WEIGHT)} for length in longest]


def _table(columns: list[Element], header: Element, rows: list[Element]) -> Element:
    return {
        "type": "Table",
        "columns": columns,
        "rows": [header, *rows],
        "firstRowAsHeader": True,
    }


def _row(values: tuple[str, ...], **style: str) -> Element:
    cells = [
        {"type": "TableCell", "items": [text_block(markdown(value), **style)]} for value in values
    ]
    return {"type": "TableRow", "cells": cells}
