"""`python -m bench` (what `make bench` runs): every benchmark, each with its small defaults."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bench import digest, lookup, offboard, slack_ack

BENCHMARKS: tuple[Callable[[Sequence[str]], None], ...] = (
    lookup.main,
    offboard.main,
    slack_ack.quick,
    digest.quick,
)


def main() -> None:
    for run in BENCHMARKS:
        run(())


if __name__ == "__main__":
    main()
