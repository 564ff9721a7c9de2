"""The main replies rendered to Adaptive Cards, compared with golden JSON files.

The replies are the ones the Block Kit goldens use. Run with UPDATE_GOLDEN=1 to rewrite the
files after an intended change, then read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cards.adaptive import TeamsRender, render_adaptive
from tests.cards.adaptive_checks import checked, file_json
from tests.cards.replies import GOLDEN

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "teams"


def as_json(render: TeamsRender) -> dict[str, Any]:
    return {
        "cards": list(render.cards),
        "text": render.text,
        "secret_card": render.secret_card,
        "files": [file_json(file) for file in render.files],
    }


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_render_matches_golden_file(name: str) -> None:
    rendered = as_json(checked(render_adaptive(GOLDEN[name]())))
    path = GOLDEN_DIR / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert rendered == json.loads(path.read_text("utf-8"))
