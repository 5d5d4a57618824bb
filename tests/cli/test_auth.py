"""icu auth login|status|logout and whoami, end to end against a live sandbox."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu


@pytest.fixture
def server_only(live_sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The CLI knows where the sandbox is, but has no key yet."""
    monkeypatch.setenv("INTERVALS_BASE_URL", live_sandbox.base_url)
    return live_sandbox


def test_login_checks_the_key_stores_it_privately_and_logout_forgets_it(
    icu: Icu, server_only: Sandbox, home: Path
) -> None:
    key = server_only.api_key
    login = icu("auth", "login", input=key + "\n")
    assert login.exit_code == 0, login.stderr
    assert server_only.athlete_id in login.stderr
    stored = home / "config" / "intervals-icu" / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())["athlete_id"] == server_only.athlete_id

    me = icu("whoami", "--json")
    assert me.exit_code == 0, me.stderr
    assert me.json()["id"] == server_only.athlete_id
    assert me.json()["credentials"] == "file"

    status = icu("auth", "status", "--json")
    assert status.exit_code == 0
    assert status.json()["valid"] is True
    assert status.json()["athlete"]["id"] == server_only.athlete_id

    for run in (login, me, status):  # the key itself is never printed
        assert key not in run.stdout + run.stderr

    assert icu("auth", "logout").exit_code == 0
    assert not stored.exists()
    after = icu("whoami")
    assert after.exit_code == 3
    assert "icu auth login" in after.stderr


def test_login_with_a_wrong_key_stores_nothing(icu: Icu, server_only: Sandbox, home: Path) -> None:
    run = icu("auth", "login", "--key", "0" * 32)
    assert run.exit_code == 3
    assert "401" in run.stderr or "key" in run.stderr.lower()
    assert not (home / "config" / "intervals-icu" / "credentials.json").exists()


def test_environment_overrides_the_stored_login(
    icu: Icu, server_only: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert icu("auth", "login", "--key", server_only.api_key).exit_code == 0
    monkeypatch.setenv("INTERVALS_API_KEY", server_only.coach_api_key)
    me = icu("whoami", "--json").json()
    assert me["id"] == server_only.coach_id
    assert me["credentials"] == "env INTERVALS_API_KEY"
    # The stored athlete id belongs to the stored key: another key acts on its own athlete.
    assert me.get("acting_on") in (None, "0", server_only.coach_id)
    status = icu("auth", "status", "--json").json()
    assert status["athlete"]["id"] == server_only.coach_id


def test_status_without_credentials_says_how_to_log_in(icu: Icu) -> None:
    run = icu("auth", "status", "--offline", "--json")
    assert run.exit_code == 3
    assert run.json()["credentials"] == "none"


def test_whoami_with_athlete_names_who_commands_act_on(icu: Icu, live: Sandbox,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVALS_API_KEY", live.coach_api_key)
    me = icu("whoami", "--athlete", live.athlete_id, "--json").json()
    assert me["id"] == live.coach_id
    assert me["acting_on"] == live.athlete_id
