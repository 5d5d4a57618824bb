"""Every library error maps to its documented exit code (docs/cli.md), and the mapping is
what the app applies: a 404 from the sandbox exits 4 with the library's message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intervals_icu import errors
from intervals_icu.cli.output import ExitCode, exit_code_for, message_for
from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu

REQUEST = errors.RequestInfo("GET", "/api/v1/athlete/0")


def _api(cls: type[errors.APIError], status: int) -> errors.APIError:
    return cls("x", status=status, server_error=None, request=REQUEST)


@pytest.mark.parametrize(("error", "code"), [
    (_api(errors.AuthenticationError, 401), ExitCode.AUTH),
    (_api(errors.PermissionDenied, 403), ExitCode.AUTH),
    (errors.MissingCredentials("no credentials"), ExitCode.AUTH),
    (errors.ConfigurationError("SQLite supports one worker"), ExitCode.BAD_INPUT),
    (_api(errors.NotFound, 404), ExitCode.NOT_FOUND),
    (_api(errors.RateLimited, 429), ExitCode.RATE_LIMITED),
    (errors.TransportError("refused"), ExitCode.NETWORK),
    (errors.RequestTimeout("slow"), ExitCode.NETWORK),
    (_api(errors.ServerError, 503), ExitCode.SERVER),
    (errors.InvalidRequestError("bad field"), ExitCode.BAD_INPUT),
    (_api(errors.Unprocessable, 422), ExitCode.BAD_INPUT),
    (_api(errors.Conflict, 409), ExitCode.ERROR),
])
def test_error_classes_map_to_documented_codes(error: Exception, code: ExitCode) -> None:
    assert exit_code_for(error) is code


def test_documented_codes_are_distinct() -> None:
    assert len({c.value for c in ExitCode}) == len(ExitCode)


def test_a_server_error_exits_7(icu: Icu, live: Sandbox) -> None:
    live.faults(route="GET /api/v1/athlete/*/wellness*", error_rate=1.0, error_status=503)
    run = icu("wellness", "show", "3d")
    assert run.exit_code == 7
    assert "503" in run.stderr


def test_rate_limit_message_says_what_to_do_at_the_shell() -> None:
    error = errors.RateLimited("429: ... lower Client(rate_limit=...)", status=429,
                               server_error=None, request=REQUEST, retry_after=30)
    said = message_for(error)
    assert "Client(" not in said
    assert "Wait a minute and run the command again" in said
    longer = message_for(errors.RateLimited("429", status=429, server_error=None,
                                            request=REQUEST, retry_after=300))
    assert "Wait 300 s (the server asked for that)" in longer


def test_a_used_up_budget_says_when_to_run_the_command_again() -> None:
    error = errors.BudgetExhausted(
        "429: a request budget (app-daily) is used up; stop and run the job again",
        status=429, server_error=None, request=REQUEST, retry_after=20_000,
        resets_at=datetime(2026, 3, 5, tzinfo=UTC), budget="app-daily")
    assert exit_code_for(error) is ExitCode.RATE_LIMITED
    said = message_for(error)
    assert "(app-daily)" in said
    assert "It refills at 2026-03-05 00:00 UTC: run the command again after that." in said
    assert "Wait" not in said, "no advice to sit out five hours"


def test_a_missing_scope_keeps_the_library_message() -> None:
    error = errors.PermissionDenied(
        "403: this call needs the OAuth scope WELLNESS:READ", status=403, server_error=None,
        request=errors.RequestInfo("GET", "/api/v1/athlete/i42/wellness"))
    assert message_for(error) == str(error)


PYTHON = ("ApiKey(", "BearerToken", "client.", "Client(", "unlock=True", "for_athlete")


@pytest.mark.parametrize("error", [
    errors.RequestTimeout("no answer in time (GET /api/v1/athlete/0): ReadTimeout. Raise the "
                          "timeout (Client(timeout=...)) or retry later.", request=REQUEST),
    errors.RecordLockedError("wellness 2026-12-04 is locked, so the write was not applied. "
                             "Pass unlock=True to unlock, edit and re-lock it in one call, or "
                             "run client.wellness.unlock('2026-12-04', '2026-12-04') first.",
                             record_id="2026-12-04"),
    errors.AuthenticationError("401: the API key was not accepted. Use ApiKey('<key>').",
                               status=401, server_error=None, request=REQUEST),
    errors.PermissionDenied("403: this endpoint refuses athlete id '0'. Name the athlete: "
                            "client.for_athlete('<your id>') (client.athletes.get().id is "
                            "yours).", status=403, server_error=None,
                            request=errors.RequestInfo("GET", "/api/v1/athlete/0/pace-curves")),
    errors.PermissionDenied("403: you may not access athlete i9. client.athletes.list() shows "
                            "who you can read.", status=403, server_error=None,
                            request=errors.RequestInfo("GET", "/api/v1/athlete/i9/wellness")),
    errors.MissingCredentials("no credentials: pass ApiKey('<key>') (or BearerToken for OAuth "
                              "apps), or set INTERVALS_API_KEY."),
    errors.ConfigurationError("the file was read. Call Client.close() afterwards."),
])
def test_cli_messages_name_no_python(error: Exception) -> None:
    said = message_for(error)
    assert said
    assert not any(name in said for name in PYTHON), said


def test_a_locked_record_says_unlock_and_exits_10() -> None:
    error = errors.RecordLockedError("locked", record_id="2026-12-04",
                                     record_ids=["2026-12-04", "2026-12-05"])
    assert exit_code_for(error) is ExitCode.LOCKED
    assert ExitCode.LOCKED == 10
    said = message_for(error)
    assert "--unlock" in said
    assert "`icu wellness unlock 2026-12-04..2026-12-05`" in said
