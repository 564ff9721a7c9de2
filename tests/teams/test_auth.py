"""Only requests carrying a valid channel-service token are served (the SDK's JWT check)."""

from __future__ import annotations

import time

import pytest

from tests.fakes.bot_connector import BOT_APP_ID, OTHER_TENANT
from tests.teams.conftest import TeamsBot, documented


async def test_a_valid_token_is_served(teams_bot: TeamsBot) -> None:
    response = await teams_bot.post(documented("message"))
    assert response.status_code in (200, 201, 202)
    assert await teams_bot.connector.wait_for("reply")


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 3600},
        {"aud": "00000000-0000-0000-0000-000000000000"},
        {"iss": "https://evil.example"},
        {
            "iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0",
            "tid": OTHER_TENANT,
            "aud": BOT_APP_ID,
        },
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "other-tenant"],
)
async def test_invalid_tokens_are_refused_and_nothing_runs(
    teams_bot: TeamsBot, claims: dict[str, object]
) -> None:
    response = await teams_bot.post(
        documented("message"), token=teams_bot.connector.token(**claims)
    )
    assert response.status_code == 401
    assert teams_bot.connector.calls == []


async def test_no_token_is_refused(teams_bot: TeamsBot) -> None:
    activity = documented("message")
    activity["serviceUrl"] = teams_bot.connector.url + "/"
    response = await teams_bot.http.post("/api/messages", json=activity)
    assert response.status_code == 401


def test_outbound_calls_go_only_to_microsofts_channel_service() -> None:
    from bot.config.teams import TeamsSettings
    from bot.process.runtime import teams_outbound

    settings = TeamsSettings(
        app_id=BOT_APP_ID,
        app_tenant_id=OTHER_TENANT,
        app_password="x",  # type: ignore[arg-type]
    )
    hosts = teams_outbound(settings).hosts
    assert hosts.is_allowed("https://smba.trafficmanager.net/amer/")
    assert not hosts.is_allowed("http://127.0.0.1:8080/")
    assert not hosts.is_allowed("https://attacker.example/")


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net:8443/amer/",
        "https://contoso.sharepoint.com:8443/personal/upload",
        "https://smba.trafficmanager.net:80/amer/",
    ],
)
def test_a_microsoft_host_on_another_port_is_refused(url: str) -> None:
    from bot.config.teams import TeamsSettings
    from bot.process.runtime import teams_outbound

    settings = TeamsSettings(
        app_id=BOT_APP_ID,
        app_tenant_id=OTHER_TENANT,
        app_password="x",  # type: ignore[arg-type]
    )
    hosts = teams_outbound(settings).hosts
    assert not hosts.is_allowed(url)
    assert hosts.is_allowed("https://smba.trafficmanager.net:443/amer/")
