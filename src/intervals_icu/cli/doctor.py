"""``icu doctor``: what is wrong with the setup, and the exact fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import typer

from intervals_icu.cli.output import ESSENTIAL, AthleteOpt, Column, ExitCode, JsonOpt, Out

Status = Literal["ok", "warn", "fail", "skip"]
CLOCK_SKEW_LIMIT = 60.0
"""Seconds of difference with the server's clock above which "today" and signatures drift."""


@dataclass
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""
    code: ExitCode = ExitCode.OK

    def as_json(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "detail": self.detail,
                "fix": self.fix}


DEFAULT_BASE_URL = "https://intervals.icu"


def _server_check(resolved: Any) -> Check:
    from intervals_icu.cli.advice import base_url_fix, base_url_problem

    base = resolved.base_url or DEFAULT_BASE_URL
    source = "default" if not resolved.base_url else resolved.base_url_source
    problem = base_url_problem(base)
    if problem is not None:
        return Check("server URL", "fail", f"{base} (from {source}): {problem[0]}",
                     base_url_fix(resolved, problem[1]), ExitCode.BAD_INPUT)
    return Check("server URL", "ok", f"{base.rstrip('/')} (from {source})")


def _credentials_check(resolved: Any) -> Check:
    """The credentials as found: present, and shaped like a key or a token."""
    from intervals_icu.auth import API_KEY_USERNAME, ApiKey
    from intervals_icu.cli.advice import (
        credentials_place,
        pasted_prefix,
        secret_text,
        strip_prefix_fix,
    )

    creds = resolved.credentials
    if creds is None:
        return Check("credentials", "fail", "no API key found (none in the environment, none "
                     "stored by `icu auth login`)",
                     f"`export INTERVALS_API_KEY=<key>` with the key from {_SETTINGS}, or run "
                     "`icu auth login`", ExitCode.AUTH)
    prefix = pasted_prefix(secret_text(creds) or "")
    if prefix is not None:
        return Check("auth scheme", "fail",
                     f"{credentials_place(resolved)} starts with {prefix!r}",
                     strip_prefix_fix(resolved, prefix), ExitCode.AUTH)
    source = resolved.key_source.replace("env ", "")
    if isinstance(creds, ApiKey):
        if creds.username != API_KEY_USERNAME:  # only a Python caller can build this
            return Check("auth scheme", "fail", f"Basic auth with username {creds.username!r}",
                         "the username must be the literal API_KEY", ExitCode.AUTH)
        return Check("auth scheme", "ok",
                     f"personal API key (HTTP Basic, username API_KEY) from {source}")
    return Check("auth scheme", "ok", f"OAuth bearer token from {source}")


_SETTINGS = "https://intervals.icu/settings (Developer Settings)"


def _works_as_api_key(session: Any, secret: str) -> bool:
    """Whether ``secret`` (sent as an OAuth token and refused) is accepted as a personal key."""
    from intervals_icu import ApiKey, Client, RetryPolicy, errors

    try:
        with Client(ApiKey(secret), athlete_id="0", base_url=session.resolved.base_url,
                    retry=RetryPolicy(max_attempts=1)) as probe:
            probe.athletes.get()
    except errors.IntervalsError:
        return False
    return True


def _connectivity_check(base: str, resolved: Any) -> tuple[Check, str | None]:
    """Whether ``base`` answers as the Intervals.icu API (an API asks for credentials);
    returns the check and the server's Date header."""
    import httpx

    from intervals_icu.cli.advice import base_url_fix

    probe = f"{base}/api/v1/athlete/0"
    try:
        with httpx.Client(timeout=10.0) as raw:
            answer = raw.get(probe)
    except httpx.HTTPError as exc:
        return Check(
            "connectivity", "fail", f"{base} did not answer: {type(exc).__name__}: {exc}",
            "check the network or proxy (HTTPS_PROXY); if INTERVALS_BASE_URL is set, check "
            f"it (now {base})", ExitCode.NETWORK), None
    server_date = answer.headers.get("date")
    status = answer.status_code
    if status in (200, 401, 403, 429):
        return Check("connectivity", "ok", f"{base} answers as the Intervals.icu API"), \
            server_date
    if 300 <= status < 400:
        moved = answer.headers.get("location", "?")
        return Check("connectivity", "fail", f"{base} redirects to {moved}",
                     base_url_fix(resolved, moved.split("/api/")[0]),
                     ExitCode.BAD_INPUT), server_date
    if status >= 500:
        return Check("connectivity", "fail", f"{base} fails (HTTP {status})",
                     "the server is down or failing: try again later", ExitCode.SERVER), \
            server_date
    return Check("connectivity", "fail",
                 f"{base} is not the Intervals.icu API (it answers HTTP {status} for "
                 "/api/v1/athlete/0)",
                 base_url_fix(resolved, None), ExitCode.BAD_INPUT), server_date


def run_checks(session: Any) -> list[Check]:
    import email.utils
    import os
    import time

    from intervals_icu import RetryPolicy, errors
    from intervals_icu.auth import BearerToken
    from intervals_icu.cli.advice import (
        athlete_fix,
        athlete_id_problem,
        credentials_place,
        refused_credentials_fix,
        secret_text,
    )

    checks: list[Check] = []
    resolved = session.resolved

    server = _server_check(resolved)
    checks.append(server)
    if server.status == "fail":
        return checks
    base = (resolved.base_url or DEFAULT_BASE_URL).rstrip("/")

    cred_check = _credentials_check(resolved)
    checks.append(cred_check)
    if os.environ.get("INTERVALS_API_KEY", "").strip() and \
            os.environ.get("INTERVALS_ACCESS_TOKEN", "").strip():
        checks.append(Check("environment", "warn", "both INTERVALS_API_KEY and "
                            "INTERVALS_ACCESS_TOKEN are set: the API key is used",
                            "`unset INTERVALS_ACCESS_TOKEN` (or the key, to use the token)"))

    connectivity, server_date = _connectivity_check(base, resolved)
    checks.append(connectivity)
    if connectivity.status == "fail" or cred_check.status == "fail":
        return checks

    client = session.client.with_options(retry=RetryPolicy(max_attempts=2))
    me = client.for_athlete("0")
    owner: dict[str, Any] = {}
    try:
        owner = me.athletes.get().model_dump(mode="json", exclude_none=True)
        checks.append(Check("credentials", "ok",
                            f"{credentials_place(resolved)} belongs to "
                            f"{owner.get('name') or '?'} ({owner.get('id')})"))
    except errors.RateLimited:
        checks.append(Check("rate limit", "fail", "429: the server is rate limiting these "
                            "credentials",
                            "wait a minute; run fewer scripts at once (the platform allows about "
                            "10 requests/s per IP)", ExitCode.RATE_LIMITED))
        return checks
    except (errors.AuthenticationError, errors.PermissionDenied) as exc:
        secret = secret_text(resolved.credentials) or ""
        if isinstance(resolved.credentials, BearerToken) and _works_as_api_key(session, secret):
            # A personal key sent as Bearer: the scheme is the problem, not the key.
            checks[checks.index(cred_check)] = Check(
                "auth scheme", "fail",
                f"{credentials_place(resolved)} is a personal API key, which is sent as HTTP "
                "Basic (it works that way), not as an OAuth token",
                'move it: `export INTERVALS_API_KEY="$INTERVALS_ACCESS_TOKEN"; unset '
                'INTERVALS_ACCESS_TOKEN`' if resolved.key_source.endswith("ACCESS_TOKEN")
                else "store it as a key: `icu auth login`", ExitCode.AUTH)
            return checks
        checks.append(Check("credentials", "fail",
                            f"the server refused {credentials_place(resolved)} "
                            f"(HTTP {exc.status})",
                            refused_credentials_fix(resolved), ExitCode.AUTH))
        return checks
    except errors.APIError as exc:
        checks.append(Check("credentials", "fail",
                            f"reading your profile failed: HTTP {exc.status}",
                            "run `icu doctor` again later; if it persists, the server URL may "
                            "be wrong", ExitCode.ERROR))
        return checks

    athlete_id = resolved.athlete_id
    source = resolved.athlete_source.replace("env ", "")
    better = athlete_id_problem(athlete_id) if athlete_id else None
    if not athlete_id or athlete_id == "0":
        checks.append(Check("athlete id", "ok",
                            f"not set: commands act on the key's owner ({owner.get('id')})"))
    elif better is not None:
        hint = f" (written {better})" if better else " (e.g. i123456)"
        checks.append(Check("athlete id", "fail",
                            f"{athlete_id!r} (from {source}) is not written like an athlete "
                            f"id{hint}",
                            f"{athlete_fix(resolved, better or '<id>')}; `icu athletes` "
                            "lists who you can read", ExitCode.BAD_INPUT))
    else:
        try:
            client.athletes.profile()
            relation = "yourself" if athlete_id == owner.get("id") else \
                "an athlete you coach or follow"
            checks.append(Check("athlete id", "ok", f"{athlete_id} ({relation}) can be read"))
        except errors.PermissionDenied:
            checks.append(Check("athlete id", "fail",
                                f"you may not read {athlete_id} (from {source})",
                                "`icu athletes` lists who you can read; the athlete must add "
                                f"you as coach or follower; or {athlete_fix(resolved, None)}",
                                ExitCode.AUTH))
        except errors.NotFound:
            checks.append(Check("athlete id", "fail", f"there is no athlete {athlete_id}",
                                f"`icu athletes` lists who you can read; or "
                                f"{athlete_fix(resolved, None)}", ExitCode.NOT_FOUND))

    if server_date:
        try:
            skew = time.time() - email.utils.parsedate_to_datetime(server_date).timestamp()
        except (TypeError, ValueError):
            skew = 0.0
        if abs(skew) > CLOCK_SKEW_LIMIT:
            checks.append(Check("clock", "warn",
                                f"this machine's clock is {skew:+.0f} s off the server's",
                                "turn on time sync (e.g. `sudo timedatectl set-ntp true`)"))
        else:
            checks.append(Check("clock", "ok", f"within {abs(skew):.0f} s of the server"))
    else:
        checks.append(Check("clock", "skip", "the server sent no Date header"))

    pacing = client.rate_limit
    checks.append(Check("rate limit", "ok",
                        f"no 429 seen; icu paces at {pacing.per_second:g} requests/s "
                        f"(burst {pacing.burst})"))
    return checks


def doctor(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """Check connectivity, the auth scheme and username, the athlete id (and whether you may
    read it), the clock and the rate limit. Prints what is wrong and the exact fix; exits with
    the code of the first failing check (see docs/cli.md)."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json)
    with Session(athlete) as session:
        checks = run_checks(session)
    failed = [c for c in checks if c.status == "fail"]
    if as_json:
        out.json({"ok": not failed, "checks": [c.as_json() for c in checks]})
    else:
        rows = [{"check": c.name, "status": c.status.upper() if c.status == "fail" else c.status,
                 "detail": c.detail + (f"\nfix: {c.fix}" if c.fix else "")} for c in checks]
        out.rows(rows, [Column("status", kind="enum", priority=ESSENTIAL),
                        Column("check", kind="id", priority=ESSENTIAL),
                        Column("detail", kind="text", wrap=True, priority=ESSENTIAL)],
                 title="icu doctor")
        if failed:
            out.error(f"{len(failed)} problem(s); first fix: {failed[0].fix}")
        else:
            out.success("all good")
    if failed:
        raise typer.Exit(int(failed[0].code) or int(ExitCode.CHECK_FAILED))


__all__ = ["Check", "doctor", "run_checks"]
