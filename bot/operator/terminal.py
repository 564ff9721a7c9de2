"""The rich consoles the command line prints with: one place decides how output looks.

On a terminal rich wraps to its width and colours. Anywhere else (a pipe, a file, `less`,
`grep`) each line is printed whole and plain: no width to wrap or fold at, so an identifier
such as `LicenseAssignment.ReadWrite.All` is never split across lines, no escape codes, and
tables are columns aligned with spaces, without box drawing.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

__all__ = ["print_table", "terminal_console"]

# Wide enough that no line of ours reaches it; tables size to their content, not to this.
_UNBOUNDED = 1_000_000


def terminal_console(*, stderr: bool = False) -> Console:
    """stdout's (or stderr's) console; rich's own test of the stream decides whether it is a
    terminal, so FORCE_COLOR and TTY_COMPATIBLE still work."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=_UNBOUNDED, soft_wrap=True, color_system=None, emoji=False)


def print_table(console: Console, table: Table) -> None:
    """The table boxed on a terminal, elsewhere as columns aligned with spaces."""
    if not console.is_terminal:
        table.box = None
    console.print(table)
