"""Weather configuration and forecast, shared events, and disconnecting an OAuth app."""

from __future__ import annotations

import pytest

from intervals_icu import AsyncClient, AuthenticationError, Client, ConfigurationError, NotFound
from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.handlers.shared_events import add_shared_event


def test_weather_config_and_forecast(client: Client) -> None:
    config = client.weather.update_config(forecasts=[
        {"label": "Home", "location": "Amsterdam", "lat": 52.37, "lon": 4.89},
        {"label": "Alps", "lat": 45.9, "lon": 6.87, "enabled": False},
    ])
    home, alps = config.forecasts or []
    assert alps.enabled is False
    assert home.id is not None
    assert home.provider == "OPEN_WEATHER"
    assert home.enabled is True
    assert client.weather.config() == config
    assert [f.label for f in client.weather.forecast().forecasts or []] == ["Home"]
    kept = client.weather.update_config(forecasts=[{"id": home.id, "label": "Home (new)"}])
    assert [(f.id, f.label, f.lat) for f in kept.forecasts or []] == [(home.id, "Home (new)",
                                                                        52.37)]


async def test_async_shared_event(async_client: AsyncClient, sandbox: Sandbox) -> None:
    track = [[45.0, 6.0], [45.1, 6.1]]
    shared = add_shared_event(sandbox.state, sandbox.coach_id, name="Alpine Marathon",
                              start_date_local="2032-07-12T07:00:00", types=["Run"],
                              courses=[{"name": "42k", "distance": 42195.0, "latlngs": track}])
    brief = await async_client.shared_events.get(shared["id"])
    assert brief.name == "Alpine Marathon"
    assert brief.courses
    assert brief.courses[0].latlngs is None
    assert brief.courses[0].full is False
    full = await async_client.shared_events.get(shared["id"], full_course=True)
    assert full.courses
    assert full.courses[0].latlngs == track
    with pytest.raises(NotFound):
        await async_client.shared_events.get(1)


def test_disconnect_app_revokes_the_apps_tokens(client: Client, sandbox: Sandbox) -> None:
    with pytest.raises(ConfigurationError, match="BearerToken"):
        client.oauth.disconnect()  # a personal key has no app
    first = sandbox.oauth_token(scopes="CALENDAR:READ")
    second = sandbox.oauth_token(scopes="CALENDAR:READ")
    with sandbox.client(credentials=first.credentials()) as app, \
            sandbox.client(credentials=second.credentials()) as same_app:
        assert app.events.list("2031-01-01", "2031-01-02") == []
        app.oauth.disconnect()
        for revoked in (app, same_app):
            with pytest.raises(AuthenticationError):
                revoked.events.list("2031-01-01", "2031-01-02")
    last = [e for e in sandbox.state.webhooks.emitted if e["type"] == "APP_SCOPE_CHANGED"][-1]
    assert (last["scope"], last["deauthorized"]) == ("", True)
    assert client.events.list("2031-01-01", "2031-01-02") == []  # the key still works
