"""App manifests for the chat platforms, rendered by `deskhand manifest`."""

from manifest.slack import (
    BOT_SCOPES,
    render_slack_manifest,
    slack_manifest,
    validate_slack_manifest,
)

__all__ = ["BOT_SCOPES", "render_slack_manifest", "slack_manifest", "validate_slack_manifest"]
