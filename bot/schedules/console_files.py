"""`ConsoleDigests`: the `console` recipient, digests as files under DESKHAND_HOME/digests/.

The text (`cards.email.render_plain`) goes to `<mark>.txt` and each file of the reply (the
chart) beside it as `<mark>-<filename>`; the paths are the message's ref. Files are written
under a temporary name and renamed, so the text file exists only once everything is written:
`find` is then whether it exists.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path

from bot.schedules.delivery import Found
from cards.email import render_plain
from cards.reply import Reply

__all__ = ["ConsoleDigests"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class ConsoleDigests:
    def __init__(self, folder: Path) -> None:
        """`folder` is DESKHAND_HOME/digests; made on the first send."""
        self._folder = folder

    async def send(self, reply: Reply, mark: str) -> dict[str, str]:
        return await asyncio.to_thread(self._write, reply, mark)

    async def find(self, mark: str, since: datetime) -> Found:
        text = self._text_path(mark)
        exists = await asyncio.to_thread(text.exists)
        return Found.SENT if exists else Found.NOT_SENT

    def _write(self, reply: Reply, mark: str) -> dict[str, str]:
        self._folder.mkdir(parents=True, exist_ok=True)
        ref: dict[str, str] = {}
        for file in reply.files:
            path = self._folder / f"{_safe(mark)}-{_safe(file.filename)}"
            _replace(path, file.content)
            ref[file.filename] = str(path)
        text = self._text_path(mark)
        _replace(text, render_plain(reply).encode("utf-8"))
        return {"text": str(text), **ref}

    def _text_path(self, mark: str) -> Path:
        return self._folder / f"{_safe(mark)}.txt"


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name)


def _replace(path: Path, content: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    partial.replace(path)
