"""icu doctor: each problem is found, explained with its fix, and mapped to its exit code."""

from __future__ import annotations

import socket

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu


def _checks(run: object) -> dict[str, dict[str, str]]:
    return {c["check"]: c for c in run.json()["checks"]}  # type: ignore[attr-defined]


def test_a_good_setup_passes(icu: Icu, live: Sandbox) -> None:
    run = icu("doctor", "--json")
    assert run.exit_code == 0, run.stdout
    checks = _checks(run)
    assert run.json()["ok"] is True
    assert live.athlete_id in checks["credentials"]["detail"]
    assert checks["auth scheme"]["status"] == "ok"
    assert checks["clock"]["status"] in {"ok", "skip"}


def test_a_wrong_key_is_an_auth_failure_with_the_fix(
    icu: Icu, live: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVALS_API_KEY", "f" * 32)
    run = icu("doctor", "--json")
    assert run.exit_code == 3
    assert "icu auth login" in _checks(run)["credentials"]["fix"]


def test_an_athlete_you_may_not_read_is_explained(
    icu: Icu, live: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVALS_ATHLETE_ID", live.stranger_id)
    run = icu("doctor", "--json")
    assert run.exit_code == 3
    check = _checks(run)["athlete id"]
    assert check["status"] == "fail"
    assert "coach or follower" in check["fix"]


def test_no_server_is_a_network_failure(icu: Icu, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("INTERVALS_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("INTERVALS_API_KEY", "a" * 32)
    run = icu("doctor", "--json")
    assert run.exit_code == 6
    assert _checks(run)["connectivity"]["status"] == "fail"


def test_rate_limiting_is_reported(icu: Icu, live: Sandbox) -> None:
    live.rate_limit_burst(50)
    run = icu("doctor", "--json")
    assert run.exit_code == 5
    assert "10 requests/s" in _checks(run)["rate limit"]["fix"]


def test_missing_credentials(icu: Icu, live: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERVALS_API_KEY")
    run = icu("doctor")
    assert run.exit_code == 3
    assert "INTERVALS_API_KEY" in run.stdout
