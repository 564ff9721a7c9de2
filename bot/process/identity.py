"""Who this process is, for rows it owns (the inbox): stable across a restart when the
operator sets `DESKHAND_EXECUTOR_ID`, so a process started again finds its own leftovers."""

from __future__ import annotations

import os
import socket

__all__ = ["executor_id"]


def executor_id() -> str:
    """`DESKHAND_EXECUTOR_ID` if set, else this host and process id (not stable: a process
    started again under another pid finds the leftovers only through the lease of replicas)."""
    return os.environ.get("DESKHAND_EXECUTOR_ID") or f"{socket.gethostname()}-{os.getpid()}"
