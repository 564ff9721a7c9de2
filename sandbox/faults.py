"""Fault injection per tenant: the next matching requests fail as Graph fails under load."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sandbox.graph.errors import GraphError

from .options import Fault

__all__ = ["FaultBook", "answer_late", "apply_fault"]


@dataclass
class _Armed:
    fault: Fault
    remaining: int


@dataclass
class FaultBook:
    _armed: dict[str, list[_Armed]] = field(default_factory=dict)

    def inject(self, tenant: str, fault: Fault) -> None:
        self._armed.setdefault(tenant, []).append(_Armed(fault, fault.count))

    def clear(self) -> None:
        self._armed.clear()

    def take(
        self,
        tenant: str,
        path: str,
        *,
        inside_batch: bool,
        login: bool = False,
        method: str = "",
    ) -> Fault | None:
        """The first armed fault matching this request, spending one of its hits."""
        for armed in self._armed.get(tenant, []):
            fault = armed.fault
            if armed.remaining <= 0 or (fault.inside_batch, fault.login) != (inside_batch, login):
                continue
            if fault.method is not None and fault.method.upper() != method.upper():
                continue
            if fault.path is None or fault.path in path:
                armed.remaining -= 1
                return fault
        return None


async def apply_fault(fault: Fault) -> None:
    """Raise the fault's error; a timeout first hangs, then lets the request through, and a
    late answer lets it through at once (`answer_late` holds its answer afterwards)."""
    if fault.kind == "late_answer":
        return
    if fault.kind == "timeout":
        await asyncio.sleep(fault.delay)
        return
    headers = {"Retry-After": _seconds(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.kind == "throttle":
        raise GraphError(
            429,
            "TooManyRequests",
            "Please retry again later.",
            headers=headers,
            inner={"code": "429", "message": "Please retry after", "status": "429"},
        )
    raise GraphError(
        503, "serviceNotAvailable", "Service is temporarily unavailable.", headers=headers
    )


async def answer_late(fault: Fault | None) -> None:
    """After the request was served: hold its answer when the fault says so. The change is
    made already; a client that gives up first never learns it."""
    if fault is not None and fault.kind == "late_answer":
        await asyncio.sleep(fault.delay)


def _seconds(value: float) -> str:
    """Graph's Retry-After may be fractional ("2.128"); whole seconds print without a point."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
