"""What every outbound call shares, whatever the service (Graph, Exchange, sign-in, Slack): the
pooled httpx client, the retry loop (budget, `Retry-After`, jitter), the write trace with its
request ids, and the mapping of failures in transit."""

from __future__ import annotations

from integrations.outbound.http import answer_timeout, create_http_client
from integrations.outbound.retry import RetryPolicy

__all__ = ["RetryPolicy", "answer_timeout", "create_http_client"]
