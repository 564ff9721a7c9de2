"""Reply → rich renderables for the terminal. Pure: no I/O, no state."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text as RichText

from cards.reply import Block, Facts, Heading, Level, Notice, Reply, Table, Text

__all__ = ["render_text"]

_NOTICE_STYLE = {
    Level.INFO: ("i", "cyan"),
    Level.SUCCESS: ("✓", "green"),
    Level.WARNING: ("!", "yellow"),
    Level.ERROR: ("✗", "bold red"),
}


def render_text(reply: Reply, *, plain: bool = False) -> Group:
    """`plain` for output that is not a terminal: tables as columns aligned with spaces, no
    box drawing."""
    parts: list[RenderableType] = []
    if reply.title:
        parts.append(RichText(reply.title, style="bold underline"))
    parts.extend(_block(block, plain) for block in reply.blocks)
    if reply.secret:
        parts.append(
            RichText.assemble(
                ("Secret (shown only to you): ", "bold"), (reply.secret, "bold magenta")
            )
        )
    for button in reply.buttons:
        parts.append(RichText(f"[{button.label}] {button.confirm}".rstrip(), style="dim"))
    for file in reply.files:
        parts.append(
            RichText(f"Attached: {file.filename} ({_size(len(file.content))})", style="dim")
        )
    return Group(*parts)


def _block(block: Block, plain: bool) -> RenderableType:
    match block:
        case Heading(text=text):
            return RichText("\n" + text, style="bold")
        case Text(text=text):
            return RichText(text)
        case Facts(items=items):
            grid = RichTable.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column()
            for label, value in items:
                grid.add_row(label, value)
            return grid
        case Table():
            return _table(block, plain)
        case Notice(level=level, text=text):
            icon, style = _NOTICE_STYLE[level]
            return RichText(f"{icon} {text}", style=style)
    raise TypeError(f"unknown block {block!r}")


def _table(block: Table, plain: bool) -> RichTable:
    table = RichTable(
        title=block.title or None, box=None if plain else box.SIMPLE_HEAD, title_justify="left"
    )
    for column in block.columns:
        table.add_column(column, overflow="fold")
    for row in block.rows:
        table.add_row(*row)
    if block.total is not None and block.total > len(block.rows):
        table.caption = f"{len(block.rows)} of {block.total} shown"
    return table


def _size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.0f} KB"
