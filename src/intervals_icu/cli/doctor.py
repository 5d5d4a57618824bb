"""``icu doctor``: what is wrong with the setup, and the exact fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import typer

from intervals_icu.cli.output import AthleteOpt, ExitCode, JsonOpt, Out

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


def _credentials_check(resolved: Any) -> Check:
    from intervals_icu.auth import API_KEY_USERNAME, ApiKey

    creds = resolved.credentials
    if creds is None:
        return Check("credentials", "fail", "no API key found",
                     "run `icu auth login`, or `export INTERVALS_API_KEY=<key from "
                     "https://intervals.icu/settings>`", ExitCode.AUTH)
    if isinstance(creds, ApiKey):
        if creds.username != API_KEY_USERNAME:
            return Check("auth scheme", "fail", f"Basic auth with username {creds.username!r}",
                         "the username must be the literal API_KEY", ExitCode.AUTH)
        return Check("auth scheme", "ok",
                     f"personal API key (HTTP Basic, username API_KEY) from {resolved.key_source}")
    return Check("auth scheme", "ok", f"OAuth bearer token from {resolved.key_source}")


def run_checks(session: Any) -> list[Check]:
    import email.utils
    import time

    import httpx

    from intervals_icu import RetryPolicy, errors

    checks: list[Check] = []
    resolved = session.resolved
    base = (resolved.base_url or "https://intervals.icu").rstrip("/")

    cred_check = _credentials_check(resolved)
    checks.append(cred_check)

    # Connectivity: any HTTP answer (even 401) means the server is reachable.
    server_date: str | None = None
    try:
        with httpx.Client(timeout=10.0) as raw:
            answer = raw.get(f"{base}/api/v1/athlete/0")
        server_date = answer.headers.get("date")
        checks.append(Check("connectivity", "ok", f"{base} answered HTTP {answer.status_code}"))
    except httpx.HTTPError as exc:
        checks.append(Check(
            "connectivity", "fail", f"{base} did not answer: {type(exc).__name__}: {exc}",
            "check the network or proxy (HTTPS_PROXY); if INTERVALS_BASE_URL is set, check it "
            f"(now {base})", ExitCode.NETWORK))
        return checks
    if cred_check.status == "fail":
        return checks

    client = session.client.with_options(retry=RetryPolicy(max_attempts=2))
    me = client.for_athlete("0")
    owner: dict[str, Any] = {}
    try:
        owner = me.athletes.get().model_dump(mode="json", exclude_none=True)
        checks.append(Check("credentials", "ok",
                            f"the key belongs to {owner.get('name') or '?'} ({owner.get('id')})"))
    except errors.RateLimited as exc:
        checks.append(Check("rate limit", "fail", str(exc),
                            "wait a minute; run fewer scripts at once (the platform allows about "
                            "10 requests/s per IP)", ExitCode.RATE_LIMITED))
        return checks
    except errors.APIError as exc:
        checks.append(Check("credentials", "fail", exc.message,
                            "copy the key again from https://intervals.icu/settings (Developer "
                            "Settings) and run `icu auth login`", ExitCode.AUTH))
        return checks

    athlete_id = resolved.athlete_id
    if not athlete_id or athlete_id == "0":
        checks.append(Check("athlete id", "ok",
                            f"not set: commands act on the key's owner ({owner.get('id')})"))
    elif not (athlete_id.startswith("i") or athlete_id.isdigit()):
        checks.append(Check("athlete id", "fail", f"{athlete_id!r} does not look like an "
                            "athlete id (e.g. i123456)",
                            "use the id shown in the app's URL or by `icu athletes`",
                            ExitCode.BAD_INPUT))
    else:
        try:
            client.athletes.profile()
            relation = "yourself" if athlete_id == owner.get("id") else \
                "an athlete you coach or follow"
            checks.append(Check("athlete id", "ok", f"{athlete_id} ({relation}) can be read"))
        except errors.PermissionDenied:
            checks.append(Check("athlete id", "fail",
                                f"you may not read {athlete_id} ({resolved.athlete_source})",
                                "ask the athlete to add you as coach or follower, or fix "
                                "INTERVALS_ATHLETE_ID / --athlete (`icu athletes` lists who you "
                                "can read)", ExitCode.AUTH))
        except errors.NotFound:
            checks.append(Check("athlete id", "fail", f"there is no athlete {athlete_id}",
                                "fix INTERVALS_ATHLETE_ID / --athlete (`icu athletes` lists "
                                "who you can read)", ExitCode.NOT_FOUND))

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
                        f"no 429 seen; this client paces at {pacing.per_second:g} requests/s "
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
        marks = {"ok": "[green]ok[/green]", "warn": "[yellow]warn[/yellow]",
                 "fail": "[bold red]FAIL[/bold red]", "skip": "[dim]skip[/dim]"}
        from rich.table import Table

        table = Table(title="icu doctor", title_justify="left", header_style="bold")
        for col in ("check", "", "detail", "fix"):
            table.add_column(col)
        for c in checks:
            table.add_row(c.name, marks[c.status], c.detail, c.fix)
        out.console.print(table)
        if failed:
            out.error(f"{len(failed)} problem(s): {failed[0].fix}")
        else:
            out.success("all good")
    if failed:
        raise typer.Exit(int(failed[0].code) or int(ExitCode.CHECK_FAILED))


__all__ = ["Check", "doctor", "run_checks"]
