"""Refusing a signed request whose body the channel cannot read: 400, one log line, nothing run.

The platform signed it, so it is not an attack on the door; but a listener reading a field that
is missing or of another type would fail halfway, after its ack or with a 500. Each channel
checks the fields its listeners read (`slack_shape`, `teams_shape`) and refuses here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "Malformed",
    "Shape",
    "first_problem",
    "json_type",
    "log_malformed",
    "refuse_malformed",
]

log = structlog.get_logger("deskhand.channels")


@dataclass(frozen=True)
class Malformed:
    """Why a request was refused: which kind it was, which field, what was wrong (no value)."""

    kind: str
    field: str
    problem: str


class Shape(BaseModel):
    """A platform payload's fields a listener reads; platforms add fields, which pass."""

    model_config = ConfigDict(extra="allow", strict=True)


def first_problem(kind: str, model: type[BaseModel], data: object) -> Malformed | None:
    """The first field of `data` that does not fit `model`, named by its path; never its value."""
    try:
        model.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False, include_context=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        return Malformed(kind, field, first["type"])
    return None


def json_type(value: Any) -> str:
    """What a JSON value is, as JSON names it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    return "string" if isinstance(value, str) else "null"


def log_malformed(channel: str, malformed: Malformed) -> None:
    log.warning(
        f"{channel}.malformed_request",
        kind=malformed.kind,
        field=malformed.field,
        problem=malformed.problem,
    )


def refuse_malformed(channel: str, malformed: Malformed) -> web.Response:
    """The log line, and the 400 that names the field (the platform shows it in its logs)."""
    log_malformed(channel, malformed)
    problem = f"malformed {malformed.kind}: {malformed.field} {malformed.problem}"
    return web.json_response({"error": problem}, status=400)
