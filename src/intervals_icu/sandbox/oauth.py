"""OAuth as the platform does it (API-NOTES §3.2): the consent page at ``/oauth/authorize``,
the code exchange at ``POST /api/oauth/token``, and ``DELETE /api/v1/disconnect-app``.

* The redirect URI must equal a registered one exactly (``http://localhost/`` is always
  allowed); otherwise 400 ``Invalid redirect_uri`` and no redirect.
* The athlete may untick scopes on the consent page; the token carries what was granted.
* A code lives ``options.oauth_code_ttl`` seconds on the sandbox clock and works once.
* Tokens never expire. Re-authorizing issues a new token; older ones stay valid (unless
  ``options.oauth_single_token_per_app``) and take the most recent scopes.
* Every approval emits ``APP_SCOPE_CHANGED`` to that app; a disconnect emits it with
  ``"scope": ""`` and ``"deauthorized": true``.

Sandbox-only: ``GET /oauth/authorize?...&auto_approve_as=<athlete id>`` approves every requested
scope at once (no page), and the consent form lets you pick which athlete is "signed in".
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError, error_body, spring_not_found
from intervals_icu.sandbox.state import CodeRecord, OAuthAppRecord, SandboxState, TokenRecord
from intervals_icu.scopes import Scope, format_scopes, parse_scopes

__all__ = [
    "ALWAYS_ALLOWED_REDIRECT",
    "approve",
    "describe_tokens",
    "disconnect",
    "exchange_code",
    "fingerprint",
    "handle_oauth",
]

ALWAYS_ALLOWED_REDIRECT = "http://localhost/"
CODE_NOT_FOUND = "Code not found (expired?)"


class OAuthRequestError(ApiError):
    """A consent request that cannot even be redirected back (bad client or redirect URI)."""


# -- the state changes (also used by Sandbox.authorize and the control API) --------------------


def check_client(state: SandboxState, client_id: str | None,
                 redirect_uri: str | None) -> OAuthAppRecord:
    app = state.apps.get(str(client_id or ""))
    if app is None:
        raise OAuthRequestError(400, "Invalid client_id")
    if not redirect_uri or (redirect_uri not in app.redirect_uris
                            and redirect_uri != ALWAYS_ALLOWED_REDIRECT):
        raise OAuthRequestError(400, "Invalid redirect_uri")
    return app


def _client_id_value(client_id: str) -> int | str:
    # The platform's APP_SCOPE_CHANGED carries client_id as a number (API-NOTES §5.3).
    return int(client_id) if client_id.isdigit() else client_id


def _app_tokens(state: SandboxState, client_id: str, athlete_id: str) -> list[TokenRecord]:
    return [t for t in state.tokens.values()
            if t.client_id == client_id and t.athlete_id == athlete_id and not t.revoked]


def approve(state: SandboxState, app: OAuthAppRecord, athlete_id: str,
            scopes: frozenset[Scope], redirect_uri: str) -> CodeRecord:
    """The athlete approved: issue a code, apply the scopes to the app's existing tokens for
    this athlete, and tell the app (APP_SCOPE_CHANGED)."""
    if athlete_id not in state.accounts:
        raise ApiError(422, f"No such athlete in the sandbox: {athlete_id}")
    if not scopes:
        raise ApiError(422, "Grant at least one scope, e.g. ACTIVITY:READ")
    with state.lock:
        record = CodeRecord(
            code=secrets.token_hex(16), client_id=app.client_id, athlete_id=athlete_id,
            scopes=scopes, redirect_uri=redirect_uri,
            expires_at=state.now() + timedelta(seconds=state.options.oauth_code_ttl),
        )
        state.codes[record.code] = record
        for token in _app_tokens(state, app.client_id, athlete_id):
            token.scopes = scopes  # the most recent scopes apply to every token (§3.2)
        state.emit(athlete_id, "APP_SCOPE_CHANGED", client_id=_client_id_value(app.client_id),
                   client_name=app.name, scope=format_scopes(scopes), deauthorized=False)
    return record


def exchange_code(state: SandboxState, client_id: str, client_secret: str,
                  code: str) -> dict[str, Any]:
    """``POST /api/oauth/token``: a valid, unexpired, unused code of this app -> a token."""
    with state.lock:
        app = state.apps.get(client_id)
        if app is None or not hmac.compare_digest(app.client_secret.encode(),
                                                  client_secret.encode()):
            raise ApiError(401, "Invalid client_id or client_secret")
        record = state.codes.get(code)
        if record is None or record.client_id != client_id:
            raise ApiError(404, CODE_NOT_FOUND)
        del state.codes[code]  # single use, and an expired code is gone for good
        if record.expires_at <= state.now():
            raise ApiError(404, CODE_NOT_FOUND)
        if state.options.oauth_single_token_per_app:
            for older in _app_tokens(state, client_id, record.athlete_id):
                older.revoked = True
        token = TokenRecord(token=secrets.token_hex(16), athlete_id=record.athlete_id,
                            client_id=client_id, scopes=record.scopes, created=state.now())
        state.tokens[token.token] = token
        account = state.accounts[record.athlete_id]
        return {
            "token_type": "Bearer",
            "access_token": token.token,
            "scope": format_scopes(record.scopes),
            "athlete": {"id": account.id, "name": account.name},
        }


def disconnect(state: SandboxState, client_id: str, athlete_id: str) -> int:
    """Revoke every token of the app for the athlete; webhooks to the app stop."""
    with state.lock:
        tokens = _app_tokens(state, client_id, athlete_id)
        for token in tokens:
            token.revoked = True
        app = state.apps.get(client_id)
        state.emit(athlete_id, "APP_SCOPE_CHANGED", client_id=_client_id_value(client_id),
                   client_name=app.name if app else None, scope="", deauthorized=True)
    return len(tokens)


def fingerprint(token: str) -> str:
    """A short name for a token that cannot be turned back into it: the first 8 hex digits
    of its SHA-256 (a token is 128 random bits, so 32 bits of digest reveal nothing)."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:8]


def describe_tokens(state: SandboxState) -> list[dict[str, Any]]:
    """Every token issued, oldest first, without the token itself (its fingerprint only)."""
    with state.lock:
        tokens = sorted(state.tokens.values(), key=lambda t: t.created)
        return [{
            "fingerprint": fingerprint(t.token),
            "client_id": t.client_id,
            "app": state.apps[t.client_id].name if t.client_id in state.apps else None,
            "athlete_id": t.athlete_id,
            "scopes": format_scopes(t.scopes),
            "created": stamp(t.created),
            "revoked": t.revoked,
        } for t in tokens]


@handles("disconnectApp")
def disconnect_app(ctx: Ctx) -> Any:
    # The pipeline already answered 401 to anything but a live bearer token.
    disconnect(ctx.state, str(ctx.principal.client_id), ctx.principal.athlete_id)
    return None


# -- HTTP ---------------------------------------------------------------------------------------


async def handle_oauth(state: SandboxState, default_athlete_id: str, request: Request) -> (
    Response
):
    """The OAuth pages and the token exchange; ``default_athlete_id`` is who is "signed in"
    on the consent page unless the request names another."""
    path, method = request.url.path, request.method
    if path == "/api/v1/oauth/token":
        return JSONResponse(spring_not_found(path, state.now()), status_code=404)
    if path == "/oauth/token" or (path == "/api/oauth/token" and method != "POST") or (
        path == "/oauth/authorize" and method not in {"GET", "POST"}
    ):
        allowed = "POST" if path == "/api/oauth/token" else "GET, POST"
        body = {**spring_not_found(path, state.now()), "status": 405,
                "error": "Method Not Allowed"}
        return JSONResponse(body, status_code=405, headers={"Allow": allowed})
    try:
        if path == "/api/oauth/token":
            return await _token(state, request)
        if method == "GET":
            return _consent(state, default_athlete_id, request)
        return await _decide(state, default_athlete_id, request)
    except ApiError as exc:
        return JSONResponse(error_body(exc.status, exc.error), status_code=exc.status)


async def _params(request: Request) -> dict[str, list[str]]:
    """Query parameters and form fields (Spring binds both)."""
    found: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        found.setdefault(key, []).append(value)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key, item in form.multi_items():
            if isinstance(item, str):
                found.setdefault(key, []).append(item)
    return found


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


async def _token(state: SandboxState, request: Request) -> Response:
    params = await _params(request)
    fields = {}
    for name in ("client_id", "client_secret", "code"):
        value = _one(params, name)
        if not value:
            raise ApiError(422, f"Required request parameter '{name}' is not present")
        fields[name] = value
    body = exchange_code(state, fields["client_id"], fields["client_secret"],
                         fields["code"])
    return JSONResponse(body)


def redirect_url(redirect_uri: str, **params: str | None) -> str:
    """``redirect_uri`` with ``params`` added to whatever query it already has."""
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _requested_scopes(text: str | None) -> frozenset[Scope]:
    try:
        scopes = parse_scopes(text or "")
    except ValueError as exc:
        raise ApiError(400, f"Invalid scope: {exc}") from None
    return scopes


def _consent(state: SandboxState, default_athlete_id: str, request: Request) -> Response:
    q = request.query_params
    redirect_uri = q.get("redirect_uri")
    app = check_client(state, q.get("client_id"), redirect_uri)
    assert redirect_uri is not None
    oauth_state = q.get("state")
    if q.get("response_type") not in {None, "", "code"}:
        return RedirectResponse(redirect_url(redirect_uri, error="unsupported_response_type",
                                             state=oauth_state), status_code=302)
    try:
        requested = _requested_scopes(q.get("scope"))
    except ApiError:
        requested = frozenset()
    if not requested:
        return RedirectResponse(redirect_url(redirect_uri, error="invalid_scope",
                                             state=oauth_state), status_code=302)
    auto = q.get("auto_approve_as")
    if auto:
        record = approve(state, app, _athlete(state, auto), requested, redirect_uri)
        return RedirectResponse(redirect_url(redirect_uri, code=record.code, state=oauth_state),
                                status_code=302)
    signed_in = _athlete(state, q.get("athlete_id") or default_athlete_id)
    return HTMLResponse(_consent_page(state, app, redirect_uri, requested, oauth_state,
                                      signed_in))


def _athlete(state: SandboxState, athlete_id: str) -> str:
    if athlete_id not in state.accounts:
        raise ApiError(400, f"No such athlete in the sandbox: {athlete_id}")
    return athlete_id


async def _decide(state: SandboxState, default_athlete_id: str, request: Request) -> Response:
    params = await _params(request)
    redirect_uri = _one(params, "redirect_uri")
    app = check_client(state, _one(params, "client_id"), redirect_uri)
    assert redirect_uri is not None
    oauth_state = _one(params, "state")
    requested = _requested_scopes(_one(params, "requested"))
    ticked = _requested_scopes(",".join(params.get("scope", [])))
    granted = frozenset(s for s in ticked if not requested or s in requested)
    if _one(params, "decision") != "approve" or not granted:
        return RedirectResponse(redirect_url(redirect_uri, error="access_denied",
                                             state=oauth_state), status_code=302)
    athlete_id = _athlete(state, _one(params, "athlete_id") or default_athlete_id)
    record = approve(state, app, athlete_id, granted, redirect_uri)
    return RedirectResponse(redirect_url(redirect_uri, code=record.code, state=oauth_state),
                            status_code=302)


_SCOPE_TEXT = {
    "ACTIVITY": "activities, their streams, intervals and files",
    "WELLNESS": "wellness records (weight, HRV, sleep...) and fitness",
    "CALENDAR": "the calendar: planned workouts, notes, races",
    "CHATS": "chats and messages",
    "LIBRARY": "the workout library",
    "SETTINGS": "profile, sport settings, zones and gear",
}


def _consent_page(state: SandboxState, app: OAuthAppRecord, redirect_uri: str,
                  requested: frozenset[Scope], oauth_state: str | None,
                  signed_in: str) -> str:
    e = html.escape
    accounts = state.accounts
    options = "".join(
        f'<option value="{e(a)}"{" selected" if a == signed_in else ""}>'
        f"{e(accounts[a].name)} ({e(a)})</option>" for a in accounts
    )
    boxes = "".join(
        f'<li><label><input type="checkbox" name="scope" value="{e(str(s))}" checked> '
        f"{e(str(s))}: {e(_SCOPE_TEXT.get(s.area.value, ''))}</label></li>"
        for s in sorted(requested)
    )
    hidden = {"client_id": app.client_id, "redirect_uri": redirect_uri,
              "state": oauth_state or "", "requested": format_scopes(requested)}
    hidden_inputs = "".join(f'<input type="hidden" name="{k}" value="{e(v)}">'
                            for k, v in hidden.items())
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Authorize {e(app.name)}</title></head>
<body>
<h1>{e(app.name)} wants access to your Intervals.icu account</h1>
<p><em>Intervals.icu sandbox</em>: nothing here is real.</p>
<form method="post" action="/oauth/authorize">
{hidden_inputs}
<p><label>Signed in as <select name="athlete_id">{options}</select></label></p>
<p>Untick anything you do not want to share:</p>
<ul>{boxes}</ul>
<button type="submit" name="decision" value="approve">Authorize</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>
</body></html>
"""
