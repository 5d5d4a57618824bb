"""The control API under ``/_sandbox``: the same operations as the Sandbox's Python methods,
JSON in and out, for tests written in other languages and for poking a running sandbox with
curl. It is never rate limited or faulted, and protects nothing (the sandbox is local); it
shows webhook secrets only when an app is created and under ``/_sandbox/credentials``.

Errors use the platform's shape: ``{"status": 422, "error": "what to fix"}``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from intervals_icu.sandbox.errors import ApiError, error_body
from intervals_icu.sandbox.wire import json_bytes
from intervals_icu.scopes import format_scopes

if TYPE_CHECKING:
    from intervals_icu.sandbox.clock import Clock
    from intervals_icu.sandbox.options import SandboxOptions
    from intervals_icu.sandbox.state import OAuthAppRecord, SandboxState

__all__ = ["CONTROL_ENDPOINTS", "Controlled", "handle_control"]


class Controlled(Protocol):
    """What the control API drives: the ``Sandbox``'s own methods (named here so that this
    module does not import the Sandbox that imports it)."""

    @property
    def state(self) -> SandboxState: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def options(self) -> SandboxOptions: ...

    def info(self) -> dict[str, Any]: ...

    def credentials(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...

    def reseed(self, *args: Any, **kwargs: Any) -> None: ...

    def advance(self, seconds: float) -> datetime: ...

    def configure(self, **changes: Any) -> SandboxOptions: ...

    def faults(self, *args: Any, **kwargs: Any) -> Any: ...

    def clear_faults(self) -> None: ...

    def rate_limit_burst(self, count: int) -> None: ...

    def api_key_for(self, athlete_id: str) -> str: ...

    def budgets(self) -> dict[str, Any]: ...

    def seed_oauth_users(self, *args: Any, **kwargs: Any) -> Any: ...

    def reset_budgets(self) -> None: ...

    def apps(self) -> list[dict[str, Any]]: ...

    def app_record(self, client_id: str | None = None) -> OAuthAppRecord: ...

    def register_app(self, *args: Any, **kwargs: Any) -> OAuthAppRecord: ...

    def update_app(self, *args: Any, **kwargs: Any) -> OAuthAppRecord: ...

    def authorize_redirect(self, *args: Any, **kwargs: Any) -> tuple[str, str]: ...

    def device_import(self, *args: Any, **kwargs: Any) -> dict[str, Any]: ...

    def device_wellness(self, *args: Any, **kwargs: Any) -> dict[str, Any]: ...

    def add_route(self, *args: Any, **kwargs: Any) -> dict[str, Any]: ...

    def add_shared_event(self, *args: Any, **kwargs: Any) -> dict[str, Any]: ...

    def deliver_webhooks(self) -> list[dict[str, Any]]: ...

    def webhook_deliveries(self, client_id: str | None = None) -> list[dict[str, Any]]: ...

    def webhook_fault(self, *args: Any, **kwargs: Any) -> Any: ...

    def clear_webhook_faults(self) -> None: ...


@dataclass(frozen=True)
class Call:
    sandbox: Controlled
    body: dict[str, Any]
    query: dict[str, str]
    params: dict[str, str]

    def get(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, self.query.get(name, default))

    def required(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise ApiError(422, f"'{name}' is required")
        return value


Operation = Callable[[Call], Any]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    run: Operation
    status: int = 200

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")


# -- operations ---------------------------------------------------------------------------------


def _info(call: Call) -> Any:
    return call.sandbox.info()


def _reset(call: Call) -> Any:
    call.sandbox.reset()
    return call.sandbox.info()


def _seed(call: Call) -> Any:
    call.sandbox.reseed(call.get("seed"), athletes=call.get("athletes"),
                        years=call.get("years"))
    return call.sandbox.info()


def _clock(call: Call) -> Any:
    return call.sandbox.clock.describe()


def _freeze(call: Call) -> Any:
    call.sandbox.clock.freeze()
    return call.sandbox.clock.describe()


def _unfreeze(call: Call) -> Any:
    call.sandbox.clock.unfreeze()
    return call.sandbox.clock.describe()


def _advance(call: Call) -> Any:
    seconds = call.required("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ApiError(422, f"'seconds' must be a number, not {seconds!r}")
    call.sandbox.advance(float(seconds))
    return call.sandbox.clock.describe()


def _set_clock(call: Call) -> Any:
    text = call.required("now")
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            422, f"'now' must be an ISO-8601 date-time with offset, not {text!r}") from None
    call.sandbox.clock.set(moment)
    return call.sandbox.clock.describe()


def _options(call: Call) -> Any:
    return call.sandbox.options.as_json()


def _patch_options(call: Call) -> Any:
    return call.sandbox.configure(**call.body).as_json()


def _faults(call: Call) -> Any:
    return call.sandbox.state.faults.describe()


def _add_fault(call: Call) -> Any:
    allowed = {"route", "latency_ms", "error_rate", "error_status", "drop_rate", "count"}
    _only(call.body, allowed)
    return vars(call.sandbox.faults(**call.body))


def _clear_faults(call: Call) -> Any:
    call.sandbox.clear_faults()
    return []


def _burst(call: Call) -> Any:
    count = call.required("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ApiError(422, f"'count' must be a whole number >= 1, not {count!r}")
    call.sandbox.rate_limit_burst(count)
    return {"forced_429s": count}


def _budgets(call: Call) -> Any:
    return call.sandbox.budgets()


def _reset_budgets(call: Call) -> Any:
    call.sandbox.reset_budgets()
    return call.sandbox.budgets()


def _seed_oauth_users(call: Call) -> Any:
    _only(call.body, {"count", "client_id", "days", "scopes", "scope", "lazy"})
    count = call.required("count")
    client_id = call.get("client_id")
    scopes = call.get("scopes", call.get("scope"))
    kwargs: dict[str, Any] = {"days": call.get("days", 14), "lazy": call.get("lazy", True)}
    if scopes is not None:
        kwargs["scopes"] = scopes
    if not isinstance(kwargs["lazy"], bool):
        raise ApiError(422, f"'lazy' must be true or false, not {kwargs['lazy']!r}")
    started = time.perf_counter()
    tokens = call.sandbox.seed_oauth_users(count, client_id=client_id, **kwargs)
    seconds = time.perf_counter() - started
    client = client_id or call.sandbox.info()["oauth_client_id"]
    return {"client_id": str(client), "count": len(tokens), "days": kwargs["days"],
            "seconds": round(seconds, 3),
            "users": [{"athlete_id": t.athlete_id, "name": t.athlete_name,
                       "access_token": t.access_token.reveal(),
                       "api_key": call.sandbox.api_key_for(t.athlete_id),
                       "scope": format_scopes(t.scopes)} for t in tokens]}


def _apps(call: Call) -> Any:
    return call.sandbox.apps()


def _app(call: Call) -> Any:
    return call.sandbox.app_record(call.params["client_id"]).public()


def _register_app(call: Call) -> Any:
    allowed = {"name", "redirect_uris", "webhook_url", "webhook_secret", "webhook_types",
               "webhook_authorization", "client_id", "client_secret", "owner_id"}
    _only(call.body, allowed)
    body = dict(call.body)
    app = call.sandbox.register_app(body.pop("name", ""), body.pop("redirect_uris", []), **body)
    # The only place (besides /credentials) that shows the secrets: like "Manage App".
    return {**app.public(), "client_secret": app.client_secret,
            "webhook_secret": app.webhook_secret}


def _update_app(call: Call) -> Any:
    return call.sandbox.update_app(call.params["client_id"], **call.body).public()


def _authorize(call: Call) -> Any:
    _only(call.body, {"athlete_id", "scopes", "scope", "state", "client_id", "redirect_uri"})
    scopes = call.get("scopes", call.get("scope"))
    if scopes is None:
        raise ApiError(422, "'scopes' is required, e.g. \"ACTIVITY:WRITE,WELLNESS:READ\"")
    code, url = call.sandbox.authorize_redirect(
        call.get("athlete_id"), scopes, state=call.get("state"),
        client_id=call.get("client_id"), redirect_uri=call.get("redirect_uri"))
    record = call.sandbox.state.codes[code]
    return {"code": code, "redirect_url": url, "athlete_id": record.athlete_id,
            "expires_at": record.expires_at.isoformat(timespec="milliseconds")}


def _device_import(call: Call) -> Any:
    _only(call.body, {"athlete_id", "sport", "when", "source"})
    when = call.get("when")
    try:
        moment = datetime.fromisoformat(str(when)) if when else None
    except ValueError:
        raise ApiError(422, f"'when' must be a local ISO-8601 date-time, not {when!r}") from None
    return call.sandbox.device_import(call.get("athlete_id"), sport=call.get("sport", "Ride"),
                                      when=moment, source=call.get("source", "GARMIN_CONNECT"))


def _device_wellness(call: Call) -> Any:
    fields = dict(call.body)
    athlete_id = fields.pop("athlete_id", None)
    day = fields.pop("day", None) or fields.pop("id", None)
    if not day:
        raise ApiError(422, "'day' (yyyy-MM-dd) is required")
    return call.sandbox.device_wellness(athlete_id, day, **fields)


def _add_route(call: Call) -> Any:
    body = dict(call.body)
    athlete_id = body.pop("athlete_id", None)
    return call.sandbox.add_route(athlete_id, name=body.pop("name", ""),
                                  latlngs=body.pop("latlngs", None), **body)


def _add_shared_event(call: Call) -> Any:
    body = dict(call.body)
    athlete_id = body.pop("athlete_id", None)
    when = body.pop("start_date_local", None)
    if not when:
        raise ApiError(422, "'start_date_local' is required, e.g. \"2030-05-01T08:00:00\"")
    return call.sandbox.add_shared_event(athlete_id, name=body.pop("name", ""),
                                         start_date_local=when,
                                         courses=body.pop("courses", None), **body)


def _webhooks(call: Call) -> Any:
    dispatcher = call.sandbox.state.webhooks
    return {**dispatcher.summary(), "pending_deliveries": dispatcher.pending(),
            "faults": dispatcher.faults()}


def _deliveries(call: Call) -> Any:
    entries = call.sandbox.webhook_deliveries(call.get("client_id"))
    limit = call.get("limit")
    if limit is not None:
        try:
            entries = entries[-int(limit):] if int(limit) > 0 else []
        except ValueError:
            raise ApiError(422, f"'limit' must be a whole number, not {limit!r}") from None
    return entries


def _flush(call: Call) -> Any:
    return call.sandbox.deliver_webhooks()


def _webhook_faults(call: Call) -> Any:
    return call.sandbox.state.webhooks.faults()


def _add_webhook_fault(call: Call) -> Any:
    _only(call.body, {"kind", "count", "seconds", "client_id"})
    fault = call.sandbox.webhook_fault(call.required("kind"), count=call.get("count", 1),
                                       seconds=call.get("seconds", 0.0),
                                       client_id=call.get("client_id"))
    return fault.describe()


def _clear_webhook_faults(call: Call) -> Any:
    call.sandbox.clear_webhook_faults()
    return []


def _credentials(call: Call) -> Any:
    return call.sandbox.credentials()


def _index(call: Call) -> Any:
    return [{"method": e.method, "path": f"/_sandbox/{e.path}".rstrip("/"),
             "summary": e.summary} for e in CONTROL_ENDPOINTS]


CONTROL_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "", "what the sandbox is: ids, clock, options, faults, webhook counts",
             _info),
    Endpoint("GET", "info", "same as GET /_sandbox", _info),
    Endpoint("GET", "endpoints", "this list", _index),
    Endpoint("POST", "reset", "back to the freshly seeded state", _reset),
    Endpoint("POST", "seed", "reseed: {seed, athletes, years} (all optional)", _seed),
    Endpoint("GET", "credentials", "seeded API keys and app secrets", _credentials),
    Endpoint("GET", "clock", "{now, frozen}", _clock),
    Endpoint("POST", "clock/freeze", "stop the clock", _freeze),
    Endpoint("POST", "clock/unfreeze", "let the clock run again (from where it is)", _unfreeze),
    Endpoint("POST", "clock/advance", "{seconds}: move forward (freezes the clock)", _advance),
    Endpoint("POST", "clock/set", "{now}: jump to an ISO-8601 date-time", _set_clock),
    Endpoint("GET", "options", "the switchable behaviours", _options),
    Endpoint("PATCH", "options", "{name: value, ...}: switch behaviours", _patch_options),
    Endpoint("GET", "faults", "request fault rules", _faults),
    Endpoint("POST", "faults",
             "{route, latency_ms, error_rate, error_status, drop_rate, count}", _add_fault,
             status=201),
    Endpoint("DELETE", "faults", "remove every request fault rule", _clear_faults),
    Endpoint("POST", "rate-limit/burst", "{count}: the next count API requests get 429",
             _burst),
    Endpoint("GET", "budgets", "request budgets (apps, personal keys): {enabled, budgets: [{key, "
             "kind, daily_used, daily_limit, window_used, window_limit, resets_at, ...}]}",
             _budgets),
    Endpoint("POST", "budgets/reset", "forget every budget's use", _reset_budgets),
    Endpoint("POST", "seed-oauth-users", "{count, client_id, days, scopes, lazy}: count new "
             "athletes with days of history who authorized the app: their tokens and keys",
             _seed_oauth_users, status=201),
    Endpoint("GET", "apps", "registered OAuth apps (no secrets)", _apps),
    Endpoint("POST", "apps", "{name, redirect_uris, webhook_url, webhook_secret, "
             "webhook_types, webhook_authorization}: register (answers the secrets once)",
             _register_app, status=201),
    Endpoint("GET", "apps/{client_id}", "one app (no secrets)", _app),
    Endpoint("PATCH", "apps/{client_id}", "change an app's settings", _update_app),
    Endpoint("POST", "authorize", "{scopes, athlete_id, client_id, redirect_uri, state}: "
             "approve the consent screen, get the code", _authorize),
    Endpoint("POST", "device-import", "{athlete_id, sport, when, source}: a device uploads "
             "a new activity", _device_import, status=201),
    Endpoint("POST", "device-wellness", "{athlete_id, day, <wellness fields>}: a device "
             "writes wellness", _device_wellness),
    Endpoint("POST", "routes", "{athlete_id, name, latlngs, <AthleteRoute fields>}: add a route "
             "(the API cannot create one)", _add_route, status=201),
    Endpoint("POST", "shared-events", "{athlete_id, name, start_date_local, courses, ...}: "
             "publish a shared event (the API cannot create one)", _add_shared_event,
             status=201),
    Endpoint("GET", "webhooks", "webhook counts, pending deliveries and faults", _webhooks),
    Endpoint("GET", "webhooks/deliveries", "the delivery log (?client_id=, ?limit=)",
             _deliveries),
    Endpoint("POST", "webhooks/flush", "send what is queued and due now", _flush),
    Endpoint("GET", "webhooks/faults", "delivery fault rules", _webhook_faults),
    Endpoint("POST", "webhooks/faults", "{kind: duplicate|reorder|delay|drop, count, seconds, "
             "client_id}", _add_webhook_fault, status=201),
    Endpoint("DELETE", "webhooks/faults", "remove every delivery fault", _clear_webhook_faults),
)


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise ApiError(422, f"unknown field(s) {', '.join(sorted(unknown))}; allowed: "
                            f"{', '.join(sorted(allowed))}")


async def handle_control(sandbox: Controlled, request: Request) -> Response:
    path = request.url.path.removeprefix("/_sandbox").strip("/")
    allowed: list[str] = []
    for endpoint in CONTROL_ENDPOINTS:
        found = endpoint.pattern.match(path)
        if found is None:
            continue
        if endpoint.method != request.method:
            allowed.append(endpoint.method)
            continue
        try:
            body = await _json_body(request)
            call = Call(sandbox, body, dict(request.query_params), found.groupdict())
            result = await asyncio.to_thread(endpoint.run, call)
        except ApiError as exc:
            return JSONResponse(error_body(exc.status, exc.error), status_code=exc.status)
        except (ValueError, TypeError) as exc:
            return JSONResponse(error_body(422, str(exc)), status_code=422)
        except KeyError as exc:
            return JSONResponse(error_body(404, str(exc.args[0]) if exc.args else "not found"),
                                status_code=404)
        return _json(result, endpoint.status)
    if allowed:
        return JSONResponse(error_body(405, f"use {' or '.join(allowed)} for /_sandbox/{path}"),
                            status_code=405, headers={"Allow": ", ".join(allowed)})
    return JSONResponse(error_body(404, f"no control endpoint /_sandbox/{path}; "
                                        "GET /_sandbox/endpoints lists them"), status_code=404)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ApiError(400, "the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return value


def _json(result: Any, status: int) -> Response:
    return Response(json_bytes(result), status_code=status, media_type="application/json")

