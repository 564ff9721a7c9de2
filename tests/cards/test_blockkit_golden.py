"""The main replies rendered to Block Kit, compared with golden JSON files.

Run with UPDATE_GOLDEN=1 to rewrite the files after an intended change, then read the diff.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from cards.blockkit import SlackMessage, SlackRender, render_blockkit
from cards.reply import File
from tests.cards.replies import GOLDEN
from tests.cards.slack_checks import checked

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "slack"


def as_json(render: SlackRender) -> dict[str, Any]:
    return {
        "messages": [_message(message) for message in render.messages],
        "files": [_file(file) for file in render.files],
        "secret": _message(render.secret) if render.secret else None,
        "modal": render.modal,
    }


def _message(message: SlackMessage) -> dict[str, Any]:
    return {"text": message.text, "blocks": list(message.blocks)}


def _file(file: File) -> dict[str, str]:
    text = file.media_type.startswith("text/")
    content = file.content.decode("utf-8") if text else base64.b64encode(file.content).decode()
    return {"filename": file.filename, "media_type": file.media_type, "content": content}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_render_matches_golden_file(name: str) -> None:
    rendered = as_json(checked(render_blockkit(GOLDEN[name]())))
    path = GOLDEN_DIR / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert rendered == json.loads(path.read_text("utf-8"))
