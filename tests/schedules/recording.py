"""A deliverer for tests that run digests in processes of their own: each message sent is a
line appended to a file the test reads, and `find` reads that file back, so a process that
resumes a send sees what a killed one sent.

Settings come from the environment, since the replica (`tests/schedules/replica.py`) is a
process of its own:
- `DIGEST_RECORD`: the file (one JSON line per message sent: key, mark, executor).
- `DIGEST_FIND`: "unknown" for a channel that cannot be checked (Teams); else it can.
- `DIGEST_HALT`: "KEY before|after": the first send to KEY in any process stops there for good,
  before or after the message goes out, once it has said so in `DIGEST_RECORD.halted`; the test
  then kills the process (`kill -9`), its ledger row left "sending".
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.schedules.delivery import Found, Recipient, Sent
from cards.reply import Reply

__all__ = ["FileDeliverer", "Halt", "recorded"]


@dataclass(frozen=True)
class Halt:
    key: str
    after_sending: bool


@dataclass(frozen=True)
class FileDeliverer:
    record: Path
    checkable: bool = True
    halt: Halt | None = None

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> FileDeliverer:
        halt = environment.get("DIGEST_HALT", "").split()
        return cls(
            record=Path(environment["DIGEST_RECORD"]),
            checkable=environment.get("DIGEST_FIND", "") != "unknown",
            halt=Halt(halt[0], halt[1] == "after") if halt else None,
        )

    @property
    def halted(self) -> Path:
        """Written once the halted send has stopped (and, after sending, recorded its message)."""
        return self.record.with_suffix(".halted")

    async def expand(
        self, recipient: Recipient, reply: Reply, tenant: str
    ) -> list[tuple[str, Reply]]:
        return [(f"{recipient.kind}:{recipient.address}", reply)]

    async def send(self, key: str, reply: Reply, mark: str) -> Sent:
        halt = self._halt_for(key)
        if halt is not None and not halt.after_sending:
            await self._stop_here()
        executor = os.environ.get("DESKHAND_EXECUTOR_ID", "")
        line = json.dumps({"key": key, "mark": mark, "executor": executor})
        with self.record.open("a") as output:  # one short line per write: appends do not mix
            output.write(line + "\n")
        if halt is not None:
            await self._stop_here()
        return Sent(key, {"mark": mark})

    async def find(self, key: str, mark: str, since: datetime) -> Found:
        if not self.checkable:
            return Found.UNKNOWN
        sent = (key, mark) in {(row["key"], row["mark"]) for row in recorded(self.record)}
        return Found.SENT if sent else Found.NOT_SENT

    def _halt_for(self, key: str) -> Halt | None:
        """The halt, when this send is the one to stop at: the first to its key anywhere."""
        if self.halt is None or key != self.halt.key:
            return None
        try:
            self.record.with_suffix(".halting").open("x").close()
        except FileExistsError:
            return None
        return self.halt

    async def _stop_here(self) -> None:
        self.halted.write_text("halted\n")
        await asyncio.Event().wait()  # until the test kills this process


def recorded(record: Path) -> list[dict[str, str]]:
    """The messages sent, in order."""
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines() if line]
