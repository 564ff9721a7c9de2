"""What an emulated cmdlet is: a function of the tenant and the parameters it was sent, giving
its output objects and the warnings Exchange writes beside them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.tenant import SandboxTenant

__all__ = ["Handler", "Output"]


@dataclass(frozen=True)
class Output:
    values: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Handler = Callable[[SandboxTenant, Mapping[str, Any]], Output]
"""Raises `ExchangeError` for an answer Exchange gives as an error."""
