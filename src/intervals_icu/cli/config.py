"""Where the CLI keeps credentials, and how it resolves them.

Precedence, highest first: ``INTERVALS_API_KEY`` / ``INTERVALS_ACCESS_TOKEN``,
``INTERVALS_ATHLETE_ID`` and ``INTERVALS_BASE_URL`` from the environment; then what
``icu auth login`` stored: the key in the system keyring when the ``keyring`` package is
importable and has a usable backend, otherwise in ``<config dir>/intervals-icu/credentials.json``
written with mode 0600. The athlete id and base URL always go in that file (they are not secret).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["Resolved", "StoredLogin", "config_path", "forget", "load", "resolve", "save"]

KEYRING_SERVICE = "intervals-icu"
KEYRING_USER = "api-key"
ENV_API_KEY = "INTERVALS_API_KEY"
ENV_ACCESS_TOKEN = "INTERVALS_ACCESS_TOKEN"
ENV_ATHLETE_ID = "INTERVALS_ATHLETE_ID"
ENV_BASE_URL = "INTERVALS_BASE_URL"

KeySource = Literal["env INTERVALS_API_KEY", "env INTERVALS_ACCESS_TOKEN", "keyring", "file",
                    "none"]


def config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("intervals-icu", appauthor=False)) / \
        "credentials.json"


def _keyring() -> Any | None:
    """The keyring module if importable with a real backend (never a hard dependency)."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or "null" in type(backend).__name__.lower():
        return None
    return keyring


@dataclass(frozen=True)
class StoredLogin:
    api_key: str | None
    athlete_id: str | None
    base_url: str | None
    key_in: Literal["keyring", "file", "none"]

    def __repr__(self) -> str:
        return (f"StoredLogin(api_key={'***' if self.api_key else None}, "
                f"athlete_id={self.athlete_id!r}, base_url={self.base_url!r}, "
                f"key_in={self.key_in!r})")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the file already existed with wider bits
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def save(api_key: str, *, athlete_id: str | None, base_url: str | None,
         use_keyring: bool = True) -> Literal["keyring", "file"]:
    """Store a login; returns where the key went."""
    ring = _keyring() if use_keyring else None
    data: dict[str, Any] = {"athlete_id": athlete_id, "base_url": base_url}
    where: Literal["keyring", "file"] = "file"
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, KEYRING_USER, api_key)
            data["key_in"] = "keyring"
            where = "keyring"
        except Exception:
            ring = None
    if ring is None:
        data["api_key"] = api_key
        data["key_in"] = "file"
    _write_private(config_path(), json.dumps(data, indent=2) + "\n")
    return where


def load() -> StoredLogin | None:
    path = config_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None
    key: str | None = data.get("api_key")
    key_in: Literal["keyring", "file", "none"] = "file" if key else "none"
    if data.get("key_in") == "keyring":
        ring = _keyring()
        if ring is not None:
            try:
                key = ring.get_password(KEYRING_SERVICE, KEYRING_USER)
            except Exception:
                key = None
            key_in = "keyring" if key else "none"
    return StoredLogin(key, data.get("athlete_id"), data.get("base_url"), key_in)


def forget() -> list[str]:
    """Remove the stored login; returns what was removed."""
    removed: list[str] = []
    ring = _keyring()
    if ring is not None:
        try:
            if ring.get_password(KEYRING_SERVICE, KEYRING_USER) is not None:
                ring.delete_password(KEYRING_SERVICE, KEYRING_USER)
                removed.append("keyring entry")
        except Exception:  # noqa: S110 - a keyring that cannot delete has nothing of ours
            pass
    path = config_path()
    if path.exists():
        path.unlink()
        removed.append(str(path))
    return removed


@dataclass(frozen=True)
class Resolved:
    """The credentials, athlete and server a command will use, and where each came from."""

    credentials: Any | None
    key_source: KeySource
    athlete_id: str | None
    athlete_source: str
    base_url: str | None
    base_url_source: str


def resolve(*, athlete: str | None = None, base_url: str | None = None) -> Resolved:
    from intervals_icu.auth import ApiKey, BearerToken

    stored = load()
    credentials: Any | None = None
    source: KeySource = "none"
    if key := os.environ.get(ENV_API_KEY, "").strip():
        credentials, source = ApiKey(key), "env INTERVALS_API_KEY"
    elif token := os.environ.get(ENV_ACCESS_TOKEN, "").strip():
        credentials, source = BearerToken(token), "env INTERVALS_ACCESS_TOKEN"
    elif stored is not None and stored.api_key:
        credentials = ApiKey(stored.api_key)
        source = "keyring" if stored.key_in == "keyring" else "file"
    # The stored athlete id and server belong to the stored key: with a key from the
    # environment they would send that key to another account's data or another server.
    stored_login = stored if source in ("keyring", "file") else None

    if athlete:
        athlete_id, athlete_source = athlete, "--athlete"
    elif env_athlete := os.environ.get(ENV_ATHLETE_ID, "").strip():
        athlete_id, athlete_source = env_athlete, "env INTERVALS_ATHLETE_ID"
    elif stored_login is not None and stored_login.athlete_id:
        athlete_id, athlete_source = stored_login.athlete_id, "stored login"
    else:
        athlete_id, athlete_source = None, "default (0 = the key's owner)"

    if base_url:
        url, url_source = base_url, "--base-url"
    elif env_url := os.environ.get(ENV_BASE_URL, "").strip():
        url, url_source = env_url, "env INTERVALS_BASE_URL"
    elif stored_login is not None and stored_login.base_url:
        url, url_source = stored_login.base_url, "stored login"
    else:
        url, url_source = None, "default"
    return Resolved(credentials, source, athlete_id, athlete_source, url, url_source)
