"""SharePoint Online's admin API, as the sandbox serves it."""
