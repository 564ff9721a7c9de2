"""Jobs the clock starts: scheduled digests, their recipients and their delivery."""

from __future__ import annotations

__all__: list[str] = []
