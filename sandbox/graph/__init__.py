"""The sandbox's Microsoft Graph (v1.0 and beta): routing, `$batch`, OData queries and the
endpoints (`api_*.py`), with Graph's documented shapes and errors."""
