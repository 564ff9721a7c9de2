"""The ids of the changes a piece of work made in Graph, so the audit log can name them.

Microsoft support, and the customer's own Entra audit log, identify a call by its
`request-id` and `client-request-id`. `traced_writes()` collects them for every non-read call
sent inside it (in this task and the tasks it starts), whether the call succeeded or not.

A write is noted *before* it is sent, without an answer (`status` None), and `on_send` runs
first: the approvals desk stores it there, so a process that dies mid-write still leaves the
write's ids behind. The answer, when it comes, replaces the note; a write that provably never
left (the host could not be reached) is struck out again.

    with traced_writes() as writes:
        await graph.request("PATCH", f"/users/{user_id}", json={"accountEnabled": False})
    writes  # [GraphWrite("PATCH", "/users/{id}", 204, "<request-id>", "<client-request-id>")]
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx

__all__ = [
    "GraphWrite",
    "OnSend",
    "WriteAttempts",
    "note_write",
    "reached_service",
    "traced_writes",
]


@dataclass(frozen=True)
class GraphWrite:
    method: str
    path: str
    status: int | None
    """None while (or because) no answer came: the write's outcome is unknown."""
    request_id: str
    client_request_id: str

    @property
    def answered(self) -> bool:
        return self.status is not None


OnSend = Callable[[Sequence[GraphWrite]], Awaitable[None]]
"""Told the writes noted so far (the live list: it may have grown by the time it is read),
right before one more is sent."""


@dataclass
class _Trace:
    writes: list[GraphWrite]
    on_send: OnSend | None


_TRACE: ContextVar[_Trace | None] = ContextVar("deskhand_graph_writes", default=None)


@contextmanager
def traced_writes(on_send: OnSend | None = None) -> Iterator[list[GraphWrite]]:
    writes: list[GraphWrite] = []
    token = _TRACE.set(_Trace(writes, on_send))
    try:
        yield writes
    finally:
        _TRACE.reset(token)


def note_write(write: GraphWrite) -> None:
    """The write's latest news (its answer); replaces what was noted under its client id."""
    trace = _TRACE.get()
    if trace is None:
        return
    for index, noted in enumerate(trace.writes):
        if noted.client_request_id == write.client_request_id:
            trace.writes[index] = write
            return
    trace.writes.append(write)


_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
)


def reached_service(error: httpx.TransportError) -> bool:
    """Whether a request that failed in transit may have reached the service. Only a failure
    to get a connection at all proves it did not; a read timeout, or a connection broken
    after the request was written, leaves the service's answer (and its change) unknown."""
    return not isinstance(error, _NEVER_SENT)


@dataclass
class WriteAttempts:
    """One call across its attempts, as the trace sees it. For a read it does nothing.

    `unanswered` becomes true once an attempt may have reached the service without an
    answer; from then on the call's outcome is unknown unless a later attempt succeeds."""

    method: str
    path: str
    client_request_id: str
    write: bool
    unanswered: bool = field(default=False, init=False)

    async def sending(self) -> None:
        trace = _TRACE.get()
        if not self.write or trace is None:
            return
        noted = [w.client_request_id for w in trace.writes]
        if self.client_request_id not in noted:
            trace.writes.append(
                GraphWrite(self.method, self.path, None, "", self.client_request_id)
            )
        if trace.on_send is not None:
            await trace.on_send(trace.writes)

    def lost(self, error: httpx.TransportError) -> bool:
        """After a failure in transit: True when the write's outcome is now unknown."""
        if self.write and reached_service(error):
            self.unanswered = True
        else:
            self.withdraw()
        return self.unanswered

    def withdraw(self) -> None:
        """This attempt never left (no connection, no token): strike the write out again,
        unless an earlier attempt went unanswered."""
        trace = _TRACE.get()
        if self.write and not self.unanswered and trace is not None:
            trace.writes[:] = [
                w for w in trace.writes if w.client_request_id != self.client_request_id
            ]

    def answered(self, status: int, request_id: str, client_request_id: str) -> None:
        # A refusal after an unanswered attempt does not undo what that attempt may have done.
        if self.write and not (self.unanswered and status >= 400):
            note_write(
                GraphWrite(
                    self.method,
                    self.path,
                    status,
                    request_id,
                    client_request_id or self.client_request_id,
                )
            )
