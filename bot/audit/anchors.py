"""Audit chain heads anchored outside the database: one append-only file per replica.

After each row it writes, a replica appends one JSON line to its anchor file (`audit.anchor_file`,
default `<home>/audit-anchors.jsonl`): when, the row's place in the chain (`seq`) and id, its
hash and the replica's name. The file is opened with O_APPEND for each line and not synced, so
a line costs a write to the page cache. `deskhand audit verify --anchors FILE ...` then checks
that every anchored head is still in the chain: removing the newest rows, or rebuilding the
table, leaves anchors the chain no longer reaches.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.store.audit import AuditRecord
from core.errors import ConfigurationError

__all__ = ["Anchor", "AnchorFile", "read_anchors"]


@dataclass(frozen=True)
class Anchor:
    """A head a replica saw written; `where` is the file and line, for messages."""

    at: datetime
    seq: int
    id: int
    hash: str
    replica: str
    where: str


@dataclass(frozen=True)
class AnchorFile:
    path: Path
    replica: str

    def write(self, record: AuditRecord) -> None:
        """Append `record` as this replica's newest anchor (blocking: call it in a thread)."""
        line = {
            "at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "seq": record.seq,
            "id": record.id,
            "hash": record.hash,
            "replica": self.replica,
        }
        data = (json.dumps(line, separators=(",", ":")) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write() per line with O_APPEND: lines from several processes never interleave.
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, data)
        finally:
            os.close(descriptor)


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in `path`; a line that is not one is refused, naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise ConfigurationError(f"Cannot read the anchor file {path} ({reason}).") from None
    return [
        _anchor(line, f"{path}:{number}")
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]


def _anchor(line: str, where: str) -> Anchor:
    try:
        fields: dict[str, Any] = json.loads(line)
        anchor = Anchor(
            at=datetime.fromisoformat(fields["at"]),
            seq=int(fields["seq"]),
            id=int(fields["id"]),
            hash=str(fields["hash"]),
            replica=str(fields["replica"]),
            where=where,
        )
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(
            f"{where} is not an anchor line (at, seq, id, hash, replica): the file was damaged "
            "or edited."
        ) from None
    return anchor
