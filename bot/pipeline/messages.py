"""The fallback messages a person sees when Deskhand itself failed: one spelling each.

Each carries the request's reference, the id its log lines carry, so an admin can find what
happened; never the error itself.
"""

from __future__ import annotations

__all__ = ["could_not_answer", "crashed", "crashed_while_running"]


def _ask_admin(reference: str) -> str:
    return f"If it happens again, give your Deskhand admin this reference: {reference}."


def crashed(reference: str) -> str:
    """A bug while answering a request."""
    return f"Something went wrong inside Deskhand. {_ask_admin(reference)}"


def could_not_answer(message: str, reference: str) -> str:
    """A known failure (`DeskhandError`) found after the request was acknowledged."""
    return f"Deskhand could not answer that: {message} {_ask_admin(reference)}"


def crashed_while_running(reference: str) -> str:
    """A bug while running a confirmed action: its changes may be half made."""
    return (
        "Something went wrong inside Deskhand while running it; check the target before "
        f"trying again. Reference for your Deskhand admin: {reference}."
    )
