"""The Teams app package's icons: committed PNGs, drawn by `manifest.icons.draw`.

Regenerate them with `python -m manifest.icons.draw`; a test keeps the files and the drawing equal.
"""

__all__ = ["COLOR_ICON", "OUTLINE_ICON"]

COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
