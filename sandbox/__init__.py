"""The sandbox Microsoft 365: a simulated Graph (v1.0 and beta) and Entra login on loopback.

It follows Microsoft's documented request and response shapes, errors included, so the real
Graph client works against it unchanged. `start_sandbox` serves it for tests and the demo;
`deskhand sandbox` runs it alone (see `serve.run_sandbox`).
"""

from __future__ import annotations

from .options import Fault, FaultKind, SandboxOptions
from .persistence import state_path
from .recording import RecordedRequest, RequestLog
from .replication import Lag
from .server import Sandbox, start_sandbox
from .tenant import DEFAULT_PERMISSIONS, SandboxTenant

__all__ = [
    "DEFAULT_PERMISSIONS",
    "Fault",
    "FaultKind",
    "Lag",
    "RecordedRequest",
    "RequestLog",
    "Sandbox",
    "SandboxOptions",
    "SandboxTenant",
    "start_sandbox",
    "state_path",
]
