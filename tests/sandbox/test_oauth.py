"""OAuth against the sandbox (API-NOTES §3.2): the consent page, the redirect, the code
exchange through the client's OAuthApp, and what a bearer token may and may not do."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu import BearerToken, Client
from intervals_icu.auth import OAuthApp
from intervals_icu.errors import AuthenticationError, NotFound, PermissionDenied
from intervals_icu.sandbox import Sandbox

ALL = ["ACTIVITY:WRITE", "WELLNESS:READ", "CALENDAR:WRITE"]


def http_for(sb: Sandbox) -> httpx.Client:
    transport = None if sb.base_url.startswith("http://127.") else sb.transport()
    return httpx.Client(base_url=sb.base_url, transport=transport)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def consent(http: httpx.Client, app: OAuthApp, scopes: list[str], *, ticked: list[str],
            decision: str = "approve", athlete_id: str | None = None) -> httpx.Response:
    """What a browser does: open the consent page, untick some boxes, press a button.
    Checks that the redirect carries the state it was given."""
    url, state = app.authorize_url(scopes)
    page = http.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    boxes = re.findall(r'<input type="checkbox" name="scope" value="([^"]+)" checked>',
                       page.text)
    assert sorted(boxes) == sorted(scopes), "every requested scope is offered, ticked"
    assert form["state"] == state
    data: dict[str, str | list[str]] = {**form, "scope": ticked, "decision": decision}
    if athlete_id:
        data["athlete_id"] = athlete_id
    response = http.post("/oauth/authorize", data=data)
    if response.status_code == 302:
        assert query_of(response.headers["location"])["state"] == state
    return response


def test_full_flow_in_process(sandbox: Sandbox) -> None:
    app = sandbox.oauth_app
    with http_for(sandbox) as http:
        redirect = consent(http, app, ALL, ticked=ALL)
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert location.startswith(app.redirect_uri + "?")
        back = query_of(location)
        assert re.fullmatch(r"[0-9a-f]{32}", back["code"])
        token = app.exchange_code(back["code"], http_client=http)
    assert token.athlete_id == sandbox.athlete_id
    assert token.athlete_name == sandbox.state.accounts[sandbox.athlete_id].name
    assert {str(s) for s in token.scopes} == set(ALL)
    assert token.missing(ALL) == frozenset()
    with sandbox.client(credentials=token.credentials()) as client:
        day = sandbox.state.local_today(sandbox.athlete_id)
        assert client.wellness.get(day).id == day.isoformat()


def test_token_response_shape(sandbox: Sandbox) -> None:
    app = sandbox.oauth_app
    code = sandbox.authorize(scopes="WELLNESS:WRITE,ACTIVITY:WRITE")
    with http_for(sandbox) as http:
        response = http.post("/api/oauth/token", data=app.token_form(code))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token_type", "access_token", "scope", "athlete"}
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "ACTIVITY:WRITE,WELLNESS:WRITE"
    assert body["athlete"]["id"] == sandbox.athlete_id


async def test_full_flow_live(live_sandbox: Sandbox) -> None:
    sb = live_sandbox
    app = sb.oauth_app
    with httpx.Client(base_url=sb.base_url) as http:
        redirect = consent(http, app, ALL, ticked=ALL, athlete_id=sb.athlete_ids[1])
    code = query_of(redirect.headers["location"])["code"]
    token = await app.aexchange_code(code)
    assert token.athlete_id == sb.athlete_ids[1]
    async with sb.async_client(credentials=token.credentials()) as client:
        day = sb.state.local_today(sb.athlete_ids[1])
        record = await client.wellness.get(day)
        assert record.id == day.isoformat()


def test_expired_code(sandbox: Sandbox) -> None:
    code = sandbox.authorize(scopes="ACTIVITY:READ")
    sandbox.advance(121)
    with http_for(sandbox) as http:
        response = http.post("/api/oauth/token", data=sandbox.oauth_app.token_form(code))
        assert response.status_code == 404
        assert response.json() == {"status": 404, "error": "Code not found (expired?)"}
        fresh = sandbox.authorize(scopes="ACTIVITY:READ")
        sandbox.advance(119)
        assert sandbox.oauth_app.exchange_code(fresh, http_client=http).scopes


def test_a_code_works_once(sandbox: Sandbox) -> None:
    code = sandbox.authorize(scopes="ACTIVITY:READ")
    with http_for(sandbox) as http:
        sandbox.oauth_app.exchange_code(code, http_client=http)
        with pytest.raises(NotFound) as caught:
            sandbox.oauth_app.exchange_code(code, http_client=http)
    assert caught.value.server_error == "Code not found (expired?)"
    assert "single-use" in str(caught.value)
    assert "authorize_url()" in str(caught.value)


def test_another_apps_code_or_secret_is_refused(sandbox: Sandbox) -> None:
    other = sandbox.register_app("Other", ["http://localhost/other"])
    code = sandbox.authorize(scopes="ACTIVITY:READ")
    with http_for(sandbox) as http:
        theirs = http.post("/api/oauth/token", data=sandbox.oauth_app_for(
            other.client_id).token_form(code))
        assert theirs.status_code == 404
        wrong_secret = http.post("/api/oauth/token", data={
            **sandbox.oauth_app.token_form(code), "client_secret": "0" * 32})
        assert wrong_secret.status_code == 401
        assert "client_secret" in wrong_secret.json()["error"]
        # A refused secret does not burn the code.
        assert sandbox.oauth_app.exchange_code(code, http_client=http).scopes


def test_declined_consent_redirects_with_access_denied(sandbox: Sandbox) -> None:
    app = sandbox.oauth_app
    with http_for(sandbox) as http:
        redirect = consent(http, app, ALL, ticked=ALL, decision="deny")
    assert redirect.status_code == 302
    back = query_of(redirect.headers["location"])
    assert back["error"] == "access_denied"
    assert "code" not in back
    assert back["state"]
    assert sandbox.state.codes == {}


def test_unticked_scopes_are_not_granted(sandbox: Sandbox) -> None:
    app = sandbox.oauth_app
    with http_for(sandbox) as http:
        redirect = consent(http, app, ALL, ticked=["ACTIVITY:WRITE"])
        token = app.exchange_code(query_of(redirect.headers["location"])["code"],
                                  http_client=http)
    assert {str(s) for s in token.scopes} == {"ACTIVITY:WRITE"}
    assert {str(s) for s in token.missing(ALL)} == {"WELLNESS:READ", "CALENDAR:WRITE"}
    with sandbox.client(credentials=token.credentials()) as client, \
            pytest.raises(PermissionDenied) as caught:
        client.wellness.get(sandbox.state.local_today(sandbox.athlete_id))
    assert caught.value.server_error == "Access denied"
    assert "WELLNESS:READ" in str(caught.value)


def test_unticking_everything_is_a_decline(sandbox: Sandbox) -> None:
    with http_for(sandbox) as http:
        redirect = consent(http, sandbox.oauth_app, ALL, ticked=[])
    assert query_of(redirect.headers["location"])["error"] == "access_denied"


def test_redirect_uri_must_match_exactly(sandbox: Sandbox) -> None:
    app = sandbox.oauth_app
    with http_for(sandbox) as http:
        for wrong in (app.redirect_uri + "/", app.redirect_uri.upper(),
                      app.redirect_uri + "?x=1", "http://evil.example/callback"):
            url, _ = OAuthApp(app.client_id, app.client_secret, wrong,
                              base_url=sandbox.base_url).authorize_url(ALL)
            response = http.get(url)
            assert response.status_code == 400, wrong
            assert response.json() == {"status": 400, "error": "Invalid redirect_uri"}
            assert "location" not in response.headers
        # http://localhost/ is always allowed (API-NOTES §3.2).
        url, _ = OAuthApp(app.client_id, app.client_secret, "http://localhost/",
                          base_url=sandbox.base_url).authorize_url(ALL)
        assert http.get(url).status_code == 200


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.text(alphabet="abc/?=&#%.:", min_size=1, max_size=8))
def test_no_redirect_to_an_unregistered_uri(sandbox: Sandbox, suffix: str) -> None:
    sandbox.configure(rate_limit_enabled=False)  # many examples, one client address
    app = sandbox.oauth_app
    candidate = app.redirect_uri + suffix
    with http_for(sandbox) as http:
        response = http.post("/oauth/authorize", data={
            "client_id": app.client_id, "redirect_uri": candidate, "scope": "ACTIVITY:READ",
            "requested": "ACTIVITY:READ", "decision": "approve"})
    assert response.status_code == 400
    assert "location" not in response.headers


def test_unknown_client_and_bad_requests(sandbox: Sandbox) -> None:
    app = sandbox.oauth_app
    with http_for(sandbox) as http:
        unknown = http.get("/oauth/authorize", params={
            "client_id": "999999", "redirect_uri": app.redirect_uri, "scope": "ACTIVITY:READ"})
        assert unknown.json() == {"status": 400, "error": "Invalid client_id"}
        bad_scope = http.get("/oauth/authorize", params={
            "client_id": app.client_id, "redirect_uri": app.redirect_uri, "scope": "FOO:BAR",
            "state": "s1"})
        assert bad_scope.status_code == 302
        assert query_of(bad_scope.headers["location"]) == {"error": "invalid_scope",
                                                           "state": "s1"}
        missing = http.post("/api/oauth/token", data={"client_id": app.client_id})
        assert missing.status_code == 422
        assert "client_secret" in missing.json()["error"]


def test_token_endpoint_paths(sandbox: Sandbox) -> None:
    form = sandbox.oauth_app.token_form("0" * 32)
    with http_for(sandbox) as http:
        v1 = http.post("/api/v1/oauth/token", data=form)
        assert v1.status_code == 404
        assert v1.json()["error"] == "Not Found"
        assert v1.json()["path"] == "/api/v1/oauth/token"
        assert http.post("/oauth/token", data=form).status_code == 405
        assert http.get("/api/oauth/token").status_code == 405


def test_auto_approve_as_redirects_at_once(sandbox: Sandbox) -> None:
    app = sandbox.oauth_app
    url, state = app.authorize_url(["SETTINGS:READ"])
    with http_for(sandbox) as http:
        redirect = http.get(f"{url}&auto_approve_as={sandbox.athlete_ids[1]}")
        back = query_of(redirect.headers["location"])
        assert back["state"] == state
        token = app.exchange_code(back["code"], http_client=http)
    assert token.athlete_id == sandbox.athlete_ids[1]


def test_authorize_through_the_control_api(live_sandbox: Sandbox) -> None:
    sb = live_sandbox
    with httpx.Client(base_url=sb.base_url) as http:
        response = http.post("/_sandbox/authorize", json={
            "scopes": "WELLNESS:WRITE", "athlete_id": sb.athlete_ids[1], "state": "xyz"})
        assert response.status_code == 200
        body = response.json()
        assert query_of(body["redirect_url"]) == {"code": body["code"], "state": "xyz"}
        token = sb.oauth_app.exchange_code(body["code"], http_client=http)
        assert token.athlete_id == sb.athlete_ids[1]
        bad = http.post("/_sandbox/authorize", json={"scopes": "WELLNESS:NOPE"})
        assert bad.status_code == 422
        assert "AREA:READ" in bad.json()["error"]


# -- re-authorization ---------------------------------------------------------------------------


def _get_wellness(sb: Sandbox, token: str) -> int:
    with http_for(sb) as http:
        day = sb.state.local_today(sb.athlete_id)
        return http.get(f"/api/v1/athlete/0/wellness/{day}",
                        headers={"Authorization": f"Bearer {token}"}).status_code


def test_reauthorizing_keeps_old_tokens_with_the_latest_scopes(sandbox: Sandbox) -> None:
    first = sandbox.oauth_token(scopes="WELLNESS:READ").access_token.reveal()
    second = sandbox.oauth_token(scopes="ACTIVITY:READ").access_token.reveal()
    assert first != second
    # Both are valid, and the most recent scopes (no WELLNESS) apply to both.
    assert _get_wellness(sandbox, first) == 403
    assert _get_wellness(sandbox, second) == 403
    sandbox.oauth_token(scopes="WELLNESS:READ")
    assert _get_wellness(sandbox, first) == 200


def test_single_token_per_app_switch(sandbox: Sandbox) -> None:
    sandbox.configure(oauth_single_token_per_app=True)
    first = sandbox.oauth_token(scopes="WELLNESS:READ").access_token.reveal()
    second = sandbox.oauth_token(scopes="WELLNESS:READ").access_token.reveal()
    assert _get_wellness(sandbox, first) == 401
    assert _get_wellness(sandbox, second) == 200


# -- what a bearer token may do -----------------------------------------------------------------


def test_personal_key_sent_as_bearer_is_403(sandbox: Sandbox) -> None:
    with http_for(sandbox) as http:
        response = http.get("/api/v1/athlete/0",
                            headers={"Authorization": f"Bearer {sandbox.api_key}"})
    assert response.status_code == 403
    assert response.json() == {"status": 403, "error": "Access denied"}
    with sandbox.client(credentials=BearerToken(sandbox.api_key)) as client, \
            pytest.raises(PermissionDenied) as caught:
        client.athletes.get()
    assert "ApiKey" in str(caught.value)


def test_athletes_list_refuses_bearer_tokens(sandbox: Sandbox) -> None:
    token = sandbox.oauth_token(scopes="SETTINGS:WRITE")
    with sandbox.client(credentials=token.credentials()) as client, \
            pytest.raises(PermissionDenied) as caught:
        client.athletes.list()
    assert "athlete-summary" in str(caught.value) or "summary" in str(caught.value)
    with sandbox.client() as client:
        assert client.athletes.list()


def test_bearer_token_acts_only_for_its_athlete(sandbox: Sandbox) -> None:
    token = sandbox.oauth_token(scopes="WELLNESS:READ")
    with http_for(sandbox) as http:
        other = http.get(f"/api/v1/athlete/{sandbox.athlete_ids[1]}/wellness",
                         headers={"Authorization": f"Bearer {token.access_token.reveal()}"})
    assert other.status_code == 403


def test_revoked_or_unknown_token_is_401(sandbox: Sandbox) -> None:
    token = sandbox.oauth_token(scopes="WELLNESS:READ")
    bearer = token.credentials()
    with sandbox.client(credentials=bearer) as client:
        with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
            assert http.delete("/api/v1/disconnect-app",
                               headers={"Authorization": bearer.authorization()}).status_code == 200
        with pytest.raises(AuthenticationError):
            client.wellness.get(sandbox.state.local_today(sandbox.athlete_id))
    with Client(BearerToken("f" * 32), base_url=sandbox.base_url,
                http_client=httpx.Client(transport=sandbox.transport())) as client, \
            pytest.raises(AuthenticationError):
        client.athletes.get()
