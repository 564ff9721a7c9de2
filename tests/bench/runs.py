"""Running a benchmark as a script would, in a process of its own (it configures logging for
the whole interpreter), and reading its output: a table, then one line of JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Finished:
    stdout: str
    figures: dict[str, Any]


def run_benchmark(module: str, *args: str, drop_env: tuple[str, ...] = ()) -> Finished:
    environment = {k: v for k, v in os.environ.items() if k not in drop_env}
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return Finished(done.stdout, json.loads(done.stdout.strip().splitlines()[-1]))
