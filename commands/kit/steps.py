"""A destructive command that is a job: its confirmed plan made into steps that run durably.

Most destructive commands make one or two changes and their executor returns a Reply. A job
command (`/offboard`) declares `steps` as well: from the confirmed `Plan` alone (no I/O, so the
same plan always gives the same steps, which durable recovery relies on) it returns the steps,
each naming the steps it must come after. The job engine (`bot.jobs`) runs every step whose
predecessors are done, at the same time as the others, checkpoints each result, retries
transient failures, and resumes after a crash; it never calls the executor.

A step may run more than once (after a crash, or a retry from the card), so each one reads the
target's state first and changes only what is not yet changed: at most one successful change
per effect. A step never returns a secret: a password it makes is delivered inside the step
(`StepContext.deliver_secret`) and only "delivered" is kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from commands.kit.context import CommandContext

__all__ = [
    "Step",
    "StepContext",
    "StepResult",
    "StepState",
    "waves",
]


class StepState(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    """Nothing to do (already so), or not run because a step it comes after failed."""
    FAILED = "failed"


@dataclass(frozen=True)
class StepResult:
    detail: str = ""
    """What was done, for the card: "removed 3 licences"."""
    skipped: bool = False
    undo: Mapping[str, Any] = field(default_factory=dict)
    """What `/offboard undo` needs to put back what this step changed (ids, never secrets)."""


class StepContext(Protocol):
    """What a running step gets besides the command context."""

    @property
    def command(self) -> CommandContext: ...

    async def deliver_secret(self, title: str, secret: str) -> bool:
        """Shows `secret` to the requester privately; false when they cannot be reached."""
        ...


@dataclass(frozen=True)
class Step:
    key: str
    """Stable within a job: "block", "group:<id>"."""
    label: str
    run: Callable[[StepContext], Awaitable[StepResult]]
    after: tuple[str, ...] = ()


def waves(steps: Sequence[Step]) -> list[list[Step]]:
    """The steps in rounds: each round holds every step whose predecessors are all in earlier
    rounds, in declared order. Running round by round keeps the order of checkpoints the same
    on every run, which durable replay needs; steps of one round run at the same time."""
    keys = {step.key for step in steps}
    for step in steps:
        unknown = [key for key in step.after if key not in keys]
        if unknown:
            raise ValueError(f"step {step.key!r} comes after unknown steps {unknown}")
    placed: set[str] = set()
    rounds: list[list[Step]] = []
    left = list(steps)
    while left:
        ready = [step for step in left if all(key in placed for key in step.after)]
        if not ready:
            raise ValueError(f"steps wait on each other: {[step.key for step in left]}")
        rounds.append(ready)
        placed.update(step.key for step in ready)
        left = [step for step in left if step.key not in placed]
    return rounds
