"""One HTTP call to a service, sent the way every Deskhand client sends it.

`send_traced` is the attempt loop Graph and Exchange share (and the PSA clients will): note a
write in the trace before it leaves, retry through `retrying`, turn a failure in transit into
"unreachable" or, for a write that may have arrived, "outcome unknown", and hand any answer
>= 400 to the service's own hook, which alone knows its error bodies. The messages for failures
in transit are the same for every service, and are written here once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from core.errors import DeskhandError, OutcomeUnknown, Unavailable
from integrations.outbound.retry import Failure, RetryPolicy, retrying
from integrations.outbound.trace import WriteAttempts

__all__ = ["OutboundCall", "in_transit", "outcome_unknown", "send_traced", "unreachable"]


@dataclass(frozen=True, slots=True)
class OutboundCall:
    """What the failure messages name: the service, its host, the call and the id it went with.
    `short` is how a failure in transit names the call (Exchange says only the cmdlet)."""

    service: str
    host: str
    label: str
    client_request_id: str
    short: str = ""


def in_transit(error: httpx.TransportError | None) -> str:
    """What happened to a request that got no answer, as the end of "<service> at <host> …"."""
    if error is None:
        return "did not answer"
    if isinstance(error, httpx.TimeoutException):
        return "did not answer in time"
    if isinstance(error, httpx.ConnectError):
        return "could not be reached"
    return "broke off the connection"


def unreachable(call: OutboundCall, error: httpx.TransportError) -> Unavailable:
    """A network failure: nothing (or nothing readable) came back from the host."""
    return Unavailable(
        f"{call.service} at {call.host} {in_transit(error)} ({call.short or call.label}). "
        "Try again in a few minutes.",
        service=call.service,
        host=call.host,
        client_request_id=call.client_request_id,
    )


def outcome_unknown(call: OutboundCall, error: httpx.TransportError | None) -> OutcomeUnknown:
    """A write sent without an answer: say that it may have been made, and give the id the
    request went out with. `error` is None when a later attempt was refused: the refusal does
    not undo what the unanswered one may have done."""
    return OutcomeUnknown(
        f"{call.service} at {call.host} {in_transit(error)} after Deskhand sent {call.label}: "
        "the change may or may not have been made (outcome unknown; client-request-id "
        f"{call.client_request_id}). Check the target before trying again.",
        service=call.service,
        host=call.host,
        client_request_id=call.client_request_id,
    )


Refused = Callable[[httpx.Response], Failure]
"""The service's hook for an answer >= 400: its error, and whether another attempt may help."""


async def send_traced(
    policy: RetryPolicy,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    call: OutboundCall,
    trace: WriteAttempts,
    repeatable: bool,
    refused: Refused,
    event: str,
    context: dict[str, object],
) -> httpx.Response:
    """The first answer below 400 to `send`, after retries; else the mapped error.

    `repeatable` says whether a write that may have arrived can be sent again unchanged."""

    async def attempt() -> httpx.Response | Failure:
        await trace.sending()
        try:
            response = await send()
        except httpx.TransportError as exc:
            if trace.lost(exc):
                return Failure(outcome_unknown(call, exc), repeatable)
            # A read, or a write that never left: safe to try again.
            return Failure(unreachable(call, exc), retryable=True)
        except DeskhandError:
            # Raised before sending (no token for the tenant): nothing left.
            trace.withdraw()
            raise
        trace.answered(
            response.status_code,
            response.headers.get("request-id", ""),
            response.headers.get("client-request-id", ""),
        )
        if response.status_code < 400:
            return response
        if trace.unanswered:
            # An earlier attempt may have made the change this one was refused for.
            return Failure(outcome_unknown(call, None), retryable=False)
        return refused(response)

    return await retrying(policy, attempt, event=event, context=context)
