"""SharePoint Online's admin API (CSOM over `ProcessQuery`), for one tenant."""

from .client import SharePointAdmin, SharePointClient

__all__ = ["SharePointAdmin", "SharePointClient"]
