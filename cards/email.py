"""Reply → an e-mail: subject, HTML body, plain text and inline images. Pure: no I/O.

The HTML comes from `templates/digest.html.j2` with autoescaping on, so a display name such as
`<script>` stays text; the plain text (also what the console's digest file holds) from
`templates/digest.txt.j2`. Images among the reply's files (the trend chart) become inline parts
the HTML shows with `<img src="cid:chart">`; other files (a CSV) stay attachments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cards.reply import Block, Facts, File, Heading, Notice, Reply, Table, Text

__all__ = ["EmailRender", "InlineImage", "render_email", "render_plain"]

CHART_ID = "chart"
_DEFAULT_SUBJECT = "Deskhand digest"
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class InlineImage:
    content_id: str
    """What the HTML names it by: `cid:<content_id>`."""
    file: File


@dataclass(frozen=True)
class EmailRender:
    subject: str
    html: str
    text: str
    inline: tuple[InlineImage, ...] = ()
    attachments: tuple[File, ...] = field(default=())


def render_email(reply: Reply) -> EmailRender:
    images = tuple(
        InlineImage(_content_id(number), file)
        for number, file in enumerate(f for f in reply.files if _is_image(f))
    )
    context = _context(reply, tuple(image.content_id for image in images))
    return EmailRender(
        subject=reply.title or _DEFAULT_SUBJECT,
        html=_TEMPLATES.get_template("digest.html.j2").render(context),
        text=render_plain(reply),
        inline=images,
        attachments=tuple(f for f in reply.files if not _is_image(f)),
    )


def render_plain(reply: Reply) -> str:
    """The reply as plain text: tables as columns aligned with spaces."""
    return _TEMPLATES.get_template("digest.txt.j2").render(_context(reply, ()))


def _context(reply: Reply, images: tuple[str, ...]) -> dict[str, Any]:
    return {
        "title": reply.title or _DEFAULT_SUBJECT,
        "blocks": [_block(block) for block in reply.blocks],
        "images": images,
        "attached": [file.filename for file in reply.files if not _is_image(file) or not images],
    }


def _block(block: Block) -> dict[str, Any]:
    """A block as the templates read it: `kind` and its parts."""
    match block:
        case Heading(text=text) | Text(text=text):
            return {"kind": type(block).__name__.lower(), "text": text}
        case Notice(level=level, text=text):
            return {"kind": "notice", "level": level.value, "text": text}
        case Facts(items=items):
            return {"kind": "facts", "pairs": items, "lines": list(_aligned([*items]))}
        case Table():
            shown = len(block.rows)
            more = block.total - shown if block.total is not None and block.total > shown else 0
            return {
                "kind": "table",
                "title": block.title,
                "columns": block.columns,
                "rows": block.rows,
                "more": more,
                "lines": list(_aligned([block.columns, *block.rows])),
            }
    raise TypeError(f"unknown block {type(block).__name__}")


def _aligned(rows: list[tuple[str, ...]]) -> Iterator[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    for row in rows:
        yield "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()


def _is_image(file: File) -> bool:
    return file.media_type.startswith("image/")


def _content_id(number: int) -> str:
    return CHART_ID if number == 0 else f"{CHART_ID}-{number + 1}"
