"""What to do at the shell: the advice the CLI gives for a setup problem or a library error,
in terms a shell user can follow (which environment variable, which ``icu`` command).

The library's messages are written for Python users (``ApiKey('<key>')``,
``client.athletes.list()``); the CLI never shows those calls. Where the CLI knows better (it
knows where the credentials came from), it writes its own advice; otherwise it keeps the
library's sentences that hold no Python.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["athlete_fix", "athlete_id_problem", "base_url_fix", "base_url_problem",
           "credentials_place", "for_error", "pasted_prefix", "refused_credentials_fix",
           "secret_text", "shell_only", "strip_prefix_fix"]

ENV_API_KEY = "INTERVALS_API_KEY"
ENV_ACCESS_TOKEN = "INTERVALS_ACCESS_TOKEN"
ENV_ATHLETE_ID = "INTERVALS_ATHLETE_ID"
ENV_BASE_URL = "INTERVALS_BASE_URL"
SETTINGS = "https://intervals.icu/settings (Developer Settings)"
PASTED_PREFIXES = ("API_KEY:", "Basic ", "Bearer ")
"""What people paste in front of a key: the Basic username, or an Authorization header."""

_PYTHON = re.compile(r"[A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\)|\b\w+=(?:True|False|None)\b"
                     r"|\b(?:ApiKey|BearerToken|AsyncClient)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`'\"])")


def _env_var(resolved: Any) -> str | None:
    source = getattr(resolved, "key_source", "")
    if source == f"env {ENV_API_KEY}":
        return ENV_API_KEY
    if source == f"env {ENV_ACCESS_TOKEN}":
        return ENV_ACCESS_TOKEN
    return None


def secret_text(credentials: Any) -> str | None:
    """The key or token itself (to look at its shape; never printed)."""
    value = getattr(credentials, "key", None) or getattr(credentials, "token", None)
    if value is None:
        return None
    return str(value.reveal() if hasattr(value, "reveal") else value)


def credentials_place(resolved: Any) -> str:
    """Where the credentials in use came from, as a user would say it."""
    var = _env_var(resolved)
    if var == ENV_API_KEY:
        return f"the key in {ENV_API_KEY}"
    if var == ENV_ACCESS_TOKEN:
        return f"the token in {ENV_ACCESS_TOKEN}"
    if getattr(resolved, "key_source", "none") in ("keyring", "file"):
        return "the key stored by `icu auth login`"
    return "the key"


def refused_credentials_fix(resolved: Any) -> str:
    """The fix when the server refuses the credentials (401)."""
    var = _env_var(resolved)
    if var == ENV_API_KEY:
        return (f"copy the current key from {SETTINGS}, then `export {ENV_API_KEY}=<key>` "
                f"(while {ENV_API_KEY} is set it wins over `icu auth login`, so logging in "
                "again does not help)")
    if var == ENV_ACCESS_TOKEN:
        return ("the token was revoked or has expired: get a new one through your app's OAuth "
                f"flow and `export {ENV_ACCESS_TOKEN}=<token>`; for your own data a personal "
                f"key is simpler: `unset {ENV_ACCESS_TOKEN}; export {ENV_API_KEY}=<key>` "
                f"(from {SETTINGS})")
    if getattr(resolved, "key_source", "none") in ("keyring", "file"):
        return f"run `icu auth login` and paste the current key from {SETTINGS}"
    return (f"copy the current key from {SETTINGS} and `export {ENV_API_KEY}=<key>`, or run "
            "`icu auth login`")


def pasted_prefix(secret: str) -> str | None:
    """The prefix pasted in front of a key or token (``API_KEY:``, ``Bearer ``...), if any."""
    for prefix in PASTED_PREFIXES:
        if secret[:len(prefix)].lower() == prefix.lower() and len(secret) > len(prefix):
            return secret[:len(prefix)]
    return None


def strip_prefix_fix(resolved: Any, prefix: str) -> str:
    """The exact command that removes ``prefix`` from the key (never printing the key)."""
    var = _env_var(resolved)
    if var is not None:
        return (f"the variable holds the key alone (icu sends the API_KEY username itself): "
                f'`export {var}="${{{var}#{prefix}}}"`')
    return f"run `icu auth login` and paste the key alone, without {prefix.strip()!r}"


def base_url_problem(url: str) -> tuple[str, str | None] | None:
    """(what is wrong, the URL that would work) for a base URL that cannot work, else None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ("it does not start with http:// or https://",
                f"https://{url.strip().split('://')[-1].split('/')[0]}" if url.strip() else None)
    fixed = f"{parts.scheme}://{parts.netloc}"
    if parts.path not in ("", "/"):
        return (f"it ends in {parts.path}: the base URL is the server alone (icu adds "
                "/api/v1/... itself)", fixed)
    if parts.query or parts.fragment:
        return "it has a query or fragment: the base URL is the server alone", fixed
    return None


def base_url_fix(resolved: Any, fixed: str | None) -> str:
    source = getattr(resolved, "base_url_source", "")
    target = fixed or "https://intervals.icu"
    if source == f"env {ENV_BASE_URL}":
        return (f"`export {ENV_BASE_URL}={target}`" +
                (f" (for intervals.icu itself: `unset {ENV_BASE_URL}`)" if fixed else ""))
    if source == "--base-url":
        return f"pass --base-url {target}"
    if source == "stored login":
        return f"log in again against the right server: `icu --base-url {target} auth login`"
    return f"`export {ENV_BASE_URL}={target}`"


def athlete_id_problem(athlete_id: str) -> str | None:
    """(the id as it should be written) when ``athlete_id`` is not written like one."""
    text = athlete_id.strip()
    if text == "0" or re.fullmatch(r"i\d+", text):
        return None
    if text.isdigit():
        return f"i{text}"
    if re.fullmatch(r"[Ii]\d+", text):
        return "i" + text[1:]
    return ""


def athlete_fix(resolved: Any, good: str | None) -> str:
    """How to name another athlete (``good``), or act on yourself (None), from where the
    athlete id came."""
    source = getattr(resolved, "athlete_source", "")
    if source == "--athlete":
        return f"use --athlete {good}" if good else "leave --athlete out to act on yourself"
    if source == f"env {ENV_ATHLETE_ID}":
        return (f"`export {ENV_ATHLETE_ID}={good}`" if good else
                f"`unset {ENV_ATHLETE_ID}` to act on yourself")
    if source == "stored login":
        return (f"`icu auth login --athlete-id {good}`" if good else
                "`icu auth login` again without --athlete-id")
    return f"--athlete {good}" if good else "leave --athlete out"


def shell_only(message: str) -> str:
    """``message`` without its sentences that give Python advice (the first one, which says
    what happened, is kept, with its Python call cut out)."""
    sentences = _SENTENCE.split(message.strip())
    kept = [s for s in sentences if not _PYTHON.search(s)]
    if not kept or kept[0] != sentences[0]:
        first = _PYTHON.sub("", sentences[0]).strip()
        kept = [first, *[s for s in kept if s != sentences[0]]]
    return " ".join(kept)


def for_error(exc: BaseException, resolved: Any) -> str | None:
    """Shell advice for a library error, or None to let the caller decide.

    ``resolved`` is where the command took its credentials, athlete and server from (None
    when it did not use them)."""
    from intervals_icu import errors

    where = f" [{exc.request}]" if isinstance(exc, errors.APIError) and exc.request else ""
    if isinstance(exc, errors.AuthenticationError):
        said = f" (server said: {exc.server_error!r})" if exc.server_error else ""
        secret = secret_text(getattr(resolved, "credentials", None))
        prefix = pasted_prefix(secret) if secret else None
        fix = strip_prefix_fix(resolved, prefix) if prefix else refused_credentials_fix(
            resolved)
        head = (f"401: {credentials_place(resolved)} starts with {prefix!r}{said}"
                if prefix else f"401: the server refused {credentials_place(resolved)}{said}")
        return f"{head}. Fix: {fix}. `icu doctor` checks the whole setup.{where}"
    if isinstance(exc, errors.PermissionDenied):
        return _permission_denied(exc, resolved, where)
    if isinstance(exc, errors.MissingCredentials) and _PYTHON.search(str(exc)):
        return (f"no credentials: `export {ENV_API_KEY}=<key>` with the key from {SETTINGS}, "
                "or run `icu auth login`")
    if isinstance(exc, errors.RecordLockedError):
        days = exc.record_ids
        span = days[0] if len(days) == 1 else f"{days[0]}..{days[-1]}"
        return (f"wellness {span} is locked, so the write was not applied. Pass --unlock to "
                f"unlock, write and lock it again, or run `icu wellness unlock {span}` first.")
    if isinstance(exc, errors.RequestTimeout):
        return shell_only(str(exc)) + " Run the command again later."
    if isinstance(exc, errors.ConfigurationError) and "base_url" in str(exc):
        url = getattr(resolved, "base_url", None) or ""
        problem = base_url_problem(url)
        fix = base_url_fix(resolved, problem[1] if problem else None)
        return f"the server URL {url!r} cannot be used: it must start with http:// or " \
               f"https://. Fix: {fix}."
    return None


def _permission_denied(exc: Any, resolved: Any, where: str) -> str | None:
    from intervals_icu.auth import BearerToken

    credentials = getattr(resolved, "credentials", None)
    if "OAuth scope" in exc.message:
        return None  # the library's message names the scope and says what to do
    if isinstance(credentials, BearerToken) and exc.request is not None and \
            exc.request.path.rstrip("/").endswith("/api/v1/athletes"):
        return (f"403: `icu athletes` needs a personal API key ({ENV_API_KEY}), not an OAuth "
                f"token; with a token, name each athlete with --athlete.{where}")
    if isinstance(credentials, BearerToken) and credentials.scopes is None and \
            _env_var(resolved) == ENV_ACCESS_TOKEN:
        return (f"403: the server refused the token in {ENV_ACCESS_TOKEN}. If it is your "
                f"personal API key (from {SETTINGS}), move it: `export "
                f'{ENV_API_KEY}="${ENV_ACCESS_TOKEN}"; unset {ENV_ACCESS_TOKEN}`. '
                f"`icu doctor` tells which it is.{where}")
    found = re.search(r"/athlete/([^/?]+)", exc.request.path) if exc.request else None
    if found is None:
        return None
    athlete = found.group(1)
    if athlete == "0" and "refuses athlete id" in exc.message:
        return (f"403: this operation refuses athlete id 0 (yourself). Name yourself: "
                f"--athlete <your id> (`icu whoami` shows it).{where}")
    if athlete == "0":
        return f"{shell_only(exc.message)} `icu doctor` checks the setup.{where}"
    head = shell_only(_SENTENCE.split(exc.message.strip())[0])
    better = athlete_id_problem(athlete)
    if better:
        return (f"{head} Athlete ids start with i: {athlete} is written {better}. Fix: "
                f"{athlete_fix(resolved, better)}.{where}")
    # The library's reason stays first: the id may be the caller's own (a wrong scheme) or
    # one they may only read.
    return (f"{head} If athlete {athlete} is someone else: `icu athletes` lists who shares "
            "their data with you, and how (READ cannot change anything); "
            f"{athlete_fix(resolved, None)}.{where}")
