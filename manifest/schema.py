"""What every platform's manifest does the same: readable JSON-schema errors, the HTTPS
origin a platform reaches Deskhand at, and help text cut to a field's limit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

__all__ = ["fit", "https_origin", "schema_problems"]


def schema_problems(validator: Draft7Validator, manifest: Mapping[str, Any]) -> set[str]:
    """Readable schema errors (`where: what`), none when the manifest passes."""
    return {_describe(leaf) for error in validator.iter_errors(manifest) for leaf in _leaves(error)}


def https_origin(url: str | None) -> str | None:
    """`https://host[:port]` for a bare HTTPS origin (no path, query or user); else None."""
    parts = urlsplit(url or "")
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        return None
    return f"https://{parts.netloc}"


def fit(text: str, limit: int) -> str:
    # Hints and summaries are help text: cut at a word, visibly, rather than be refused.
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors that say what to fix; for oneOf, those of the branch that came closest."""
    if not error.context:
        yield error
        return
    branches: dict[object, list[ValidationError]] = {}
    for inner in error.context:
        branches.setdefault(inner.relative_schema_path[0], []).append(inner)
    for inner in min(branches.values(), key=len):
        yield from _leaves(inner)


def _describe(error: ValidationError) -> str:
    where = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )
    return f"{where.removeprefix('.') or 'manifest'}: {error.message}"
