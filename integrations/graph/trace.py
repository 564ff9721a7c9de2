"""The ids of the changes a piece of work made in Graph, so the audit log can name them.

Microsoft support, and the customer's own Entra audit log, identify a call by its
`request-id` and `client-request-id`. `traced_writes()` collects them for every non-read call
sent inside it (in this task and the tasks it starts), whether the call succeeded or not.

    with traced_writes() as writes:
        await graph.request("PATCH", f"/users/{user_id}", json={"accountEnabled": False})
    writes  # [GraphWrite("PATCH", "/users/{id}", 204, "<request-id>", "<client-request-id>")]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["GraphWrite", "note_write", "traced_writes"]


@dataclass(frozen=True)
class GraphWrite:
    method: str
    path: str
    status: int
    request_id: str
    client_request_id: str


_WRITES: ContextVar[list[GraphWrite] | None] = ContextVar("deskhand_graph_writes", default=None)


@contextmanager
def traced_writes() -> Iterator[list[GraphWrite]]:
    writes: list[GraphWrite] = []
    token = _WRITES.set(writes)
    try:
        yield writes
    finally:
        _WRITES.reset(token)


def note_write(write: GraphWrite) -> None:
    """Called by the client for each write it sends; nothing happens outside `traced_writes`."""
    writes = _WRITES.get()
    if writes is not None:
        writes.append(write)
