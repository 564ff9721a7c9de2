"""How long an executor waits for its change to show when reading it back (`readback.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["Pacing"]


@dataclass(frozen=True)
class Pacing:
    """How long a read-back waits for a change to show: one read at once, then one after each
    delay (seconds), so about three seconds at most. Tests give a `sleep` that returns at once."""

    delays: tuple[float, ...] = (0.25, 0.5, 0.75, 1.5)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
