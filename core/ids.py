"""Entra identifiers: tenant, app and object ids in the one form Graph and tokens compare."""

from __future__ import annotations

import re

__all__ = ["entra_id"]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def entra_id(value: str) -> str:
    """The id lower-cased; ValueError (with where to find it) when it is not a GUID."""
    value = value.strip().lower()
    if not _GUID.match(value):
        raise ValueError(
            "must be a GUID like 00000000-0000-0000-0000-000000000000 "
            "(Entra admin center, Overview page)"
        )
    return value
