"""Checking the audit log's chain against its keys, and against heads kept outside the database.

`deskhand audit verify` runs `verify_store`: every row's HMAC under the key its `key_id` names
(rows from before keying: their plain SHA-256), its link to the row before, its place in the
chain; then every anchored head (`bot.audit.anchors`) and every `--expect-head` hash must still
be in the chain, so rows removed from the end show too. `deskhand audit head` prints
`export_head`, to keep or post elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.audit.anchors import Anchor, read_anchors
from bot.audit.keys import Keyring, joined_files, load_keyring
from bot.config import Settings
from bot.store import open_store
from bot.store.audit import (
    GENESIS_HASH,
    AuditRecord,
    audit_rows_after,
    chain_head,
    count_audit,
    row_hash,
    row_mac,
)

__all__ = [
    "ChainReport",
    "describe",
    "export_head",
    "verify_chain",
    "verify_configured",
    "verify_store",
]

PAGE = 1000
EDITED = "its hash does not match its content: the row was edited"
RELINKED = "it does not follow the row before it: a row was deleted or inserted before it"
UNSIGNED = "it carries no key id after signed rows: it was written without the audit key"


@dataclass(frozen=True)
class ChainReport:
    """How far the chain held: `rows` checked, and what broke it (the row's id when one did).

    `legacy_rows` of them predate keying and carry only a SHA-256; `anchors` heads were checked.
    """

    rows: int
    broken_id: int | None = None
    problem: str | None = None
    head_hash: str = GENESIS_HASH
    legacy_rows: int = 0
    anchors: int = 0

    @property
    def intact(self) -> bool:
        return self.problem is None


async def verify_chain(
    conn: AsyncConnection,
    keyring: Keyring,
    *,
    anchors: Sequence[Anchor] = (),
    expect_heads: Sequence[str] = (),
) -> ChainReport:
    """Check every row oldest first, stopping at the first that does not hold; then check that
    every anchor and expected head is still in the chain."""
    walk = _Walk(keyring, anchors, expect_heads)
    last_id = 0
    while page := await audit_rows_after(conn, last_id, PAGE):
        for record in page:
            if problem := walk.step(record):
                return ChainReport(rows=walk.position, broken_id=record.id, problem=problem)
        last_id = page[-1].id
    problem = walk.beyond_the_end() or walk.missing_head()
    return ChainReport(
        rows=walk.position,
        problem=problem,
        head_hash=walk.previous,
        legacy_rows=walk.legacy,
        anchors=len(anchors),
    )


async def verify_store(
    url: str,
    keyring: Keyring,
    *,
    anchors: Sequence[Anchor] = (),
    expect_heads: Sequence[str] = (),
) -> ChainReport:
    """Verify the chain of the store at `url` (ConfigurationError when it cannot be opened)."""
    async with await open_store(url) as store, store.engine.connect() as conn:
        return await verify_chain(conn, keyring, anchors=anchors, expect_heads=expect_heads)


async def export_head(url: str) -> dict[str, Any]:
    """The newest row's id, place, hash and time and the row count, as JSON-able values."""
    async with await open_store(url) as store, store.engine.begin() as conn:
        head = await chain_head(conn)
        rows = await count_audit(conn)
    if head is None:
        return {"id": None, "seq": None, "hash": GENESIS_HASH, "at": None, "rows": rows}
    return {
        "id": head.id,
        "seq": head.seq,
        "hash": head.hash,
        "at": head.at.isoformat(),
        "rows": rows,
    }


class _Walk:
    """The chain read so far: where it stands, and the anchors still to meet."""

    def __init__(
        self, keyring: Keyring, anchors: Sequence[Anchor], expect_heads: Sequence[str]
    ) -> None:
        self.keyring = keyring
        self.anchors = anchors
        self.anchored: dict[int, list[Anchor]] = {}
        for anchor in anchors:
            self.anchored.setdefault(anchor.seq, []).append(anchor)
        self.previous = GENESIS_HASH
        self.position = 0
        self.legacy = 0
        self.signed = False
        self.unseen = [head.lower() for head in expect_heads]

    def step(self, record: AuditRecord) -> str | None:
        self.position += 1
        problem = self._row_problem(record) or self._anchor_problem(record)
        if problem is None:
            self.previous = record.hash
            self.signed = self.signed or record.key_id is not None
            self.legacy += record.key_id is None
            if record.hash in self.unseen:
                self.unseen.remove(record.hash)
        return problem

    def beyond_the_end(self) -> str | None:
        """Anchors past the chain's end: its newest rows were removed."""
        beyond = [anchor for anchor in self.anchors if anchor.seq > self.position]
        if not beyond:
            return None
        newest = max(beyond, key=lambda anchor: anchor.seq)
        return (
            f"the chain ends at row {self.position}, but replica {newest.replica} anchored row "
            f"{newest.seq} ({newest.hash}) at {newest.at:%Y-%m-%d %H:%M:%S} UTC "
            f"({newest.where}): the newest rows were removed"
        )

    def _row_problem(self, record: AuditRecord) -> str | None:
        if record.prev_hash != self.previous:
            return RELINKED
        if record.key_id is None:
            if self.signed:
                return UNSIGNED
            return EDITED if row_hash(asdict(record)) != record.hash else None
        key = self.keyring.get(record.key_id)
        if key is None:
            return (
                f"it is signed with key {record.key_id}, which is not in the keyring "
                f"({self.keyring.source}): add that key, or name the file holding it with --keys"
            )
        if row_mac(key, asdict(record)) != record.hash:
            return EDITED
        if record.seq != self.position:
            return (
                f"it says it is row {record.seq} of the chain where row {self.position} was due: "
                "rows were removed before it"
            )
        return None

    def _anchor_problem(self, record: AuditRecord) -> str | None:
        for anchor in self.anchored.get(self.position, ()):
            if anchor.hash != record.hash:
                return (
                    f"it is not the row {self.position} replica {anchor.replica} anchored at "
                    f"{anchor.at:%Y-%m-%d %H:%M:%S} UTC ({anchor.where}): the chain was rewritten"
                )
        return None

    def missing_head(self) -> str | None:
        if not self.unseen:
            return None
        return (
            f"the expected head {self.unseen[0]} is not in the chain: rows were removed or "
            "rewritten"
        )


async def verify_configured(
    settings: Settings,
    *,
    expect_heads: Sequence[str] = (),
    anchor_files: Sequence[Path] = (),
    key_files: Sequence[Path] = (),
) -> ChainReport:
    """`deskhand audit verify`: the configured keys plus `key_files`, and the anchors in
    `anchor_files` (by default this replica's own file, when it has written one)."""

    def gather() -> tuple[Keyring, list[Anchor]]:
        keyring = joined_files(load_keyring(settings, create=False), key_files)
        files = list(anchor_files)
        if not files and settings.audit_anchor_file.exists():
            files = [settings.audit_anchor_file]
        return keyring, [anchor for path in files for anchor in read_anchors(path)]

    keyring, anchors = await asyncio.to_thread(gather)
    return await verify_store(
        settings.store_url, keyring, anchors=anchors, expect_heads=expect_heads
    )


def describe(report: ChainReport) -> str:
    """The report as the one line `deskhand audit verify` prints."""
    if not report.intact:
        where = "" if report.broken_id is None else f" at row {report.broken_id}"
        return f"Audit chain broken{where}: {report.problem} ({report.rows} rows checked)."
    legacy = (
        f" ({report.legacy_rows} from before keying, checked as the unkeyed SHA-256 chain)"
        if report.legacy_rows
        else ""
    )
    return (
        f"Audit chain intact: {report.rows} rows{legacy}, head {report.head_hash}; "
        f"{report.anchors} anchored heads found in it."
    )
