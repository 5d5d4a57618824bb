"""icu doctor: each problem is found, explained with its fix, and mapped to its exit code."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu
from tests.clock import CHILD_ICU, child_env


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


# -- each misconfiguration: its class's exit code, and advice that fixes it at the shell -------

PYTHON_NAMES = re.compile(r"ApiKey|BearerToken|client\.|Client\(|for_athlete|unlock=True")


def _follow(fix: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the shell commands the fix gives (between backticks), then `icu doctor`, in bash,
    as the user would."""
    commands = [c for c in re.findall(r"`([^`]+)`", fix)
                if c.startswith(("export ", "unset "))]
    assert commands, fix
    icu = " ".join(shlex.quote(part) for part in [sys.executable, "-c", CHILD_ICU])
    script = "; ".join([*commands, f"exec {icu} doctor --json {' '.join(args)}"])
    return subprocess.run(["bash", "-c", script], env=child_env(env), capture_output=True,
                          text=True, check=False, timeout=120)


def _env(home: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("INTERVALS_") and k != "ICU_JOURNAL"}
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", **values)
    return env


def _no_python(run: Any) -> None:
    assert not PYTHON_NAMES.search(run.stdout + run.stderr), run.stdout + run.stderr


def test_a_personal_key_in_the_token_variable(icu: Icu, live: Sandbox, home: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERVALS_API_KEY")
    monkeypatch.setenv("INTERVALS_ACCESS_TOKEN", live.api_key)
    run = icu("doctor", "--json")
    assert run.exit_code == 3
    check = _checks(run)["auth scheme"]
    assert check["status"] == "fail"
    assert check["fix"] == ('move it: `export INTERVALS_API_KEY="$INTERVALS_ACCESS_TOKEN"; '
                            'unset INTERVALS_ACCESS_TOKEN`')
    assert "icu auth login" not in check["fix"]  # the variable would override a login
    _no_python(run)
    _no_python(icu("doctor"))
    fixed = _follow(check["fix"], _env(
        home, INTERVALS_BASE_URL=live.base_url, INTERVALS_ACCESS_TOKEN=live.api_key))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    # any command says the same
    listed = icu("wellness", "show", "3d")
    assert listed.exit_code == 3
    assert 'export INTERVALS_API_KEY="$INTERVALS_ACCESS_TOKEN"' in " ".join(listed.stderr.split())
    _no_python(listed)


def test_a_wrong_key_in_the_environment_is_fixed_there_not_by_logging_in(
        icu: Icu, live: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVALS_API_KEY", "f" * 32)
    run = icu("doctor", "--json")
    assert run.exit_code == 3
    check = _checks(run)["credentials"]
    assert check["detail"] == "the server refused the key in INTERVALS_API_KEY (HTTP 401)"
    assert "`export INTERVALS_API_KEY=<key>`" in check["fix"]
    assert "logging in again does not help" in check["fix"]
    _no_python(run)
    listed = icu("wellness", "show", "3d")
    assert listed.exit_code == 3
    assert "`export INTERVALS_API_KEY=<key>`" in " ".join(listed.stderr.split())
    _no_python(listed)


def test_a_wrong_stored_key_says_log_in_again(icu: Icu, live: Sandbox,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert icu("auth", "login", "--key", live.api_key).exit_code == 0
    monkeypatch.delenv("INTERVALS_API_KEY")
    from intervals_icu.cli import config

    stored = config.load()
    assert stored is not None
    config.save("e" * 32, athlete_id=stored.athlete_id, base_url=stored.base_url,
                use_keyring=False)
    run = icu("doctor", "--json")
    assert run.exit_code == 3
    check = _checks(run)["credentials"]
    assert check["detail"] == "the server refused the key stored by `icu auth login` (HTTP 401)"
    assert check["fix"].startswith("run `icu auth login`")


def test_a_base_url_ending_in_api_v1_is_a_configuration_error(
        icu: Icu, live: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVALS_BASE_URL", live.base_url + "/api/v1")
    run = icu("doctor", "--json")
    assert run.exit_code == 2  # the URL, not the credentials
    check = _checks(run)["server URL"]
    assert check["status"] == "fail"
    assert "credentials" not in _checks(run)
    assert f"`export INTERVALS_BASE_URL={live.base_url}`" in check["fix"]
    fixed = _follow(check["fix"].split(" (for")[0], _env(
        home, INTERVALS_BASE_URL=live.base_url + "/api/v1", INTERVALS_API_KEY=live.api_key))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    listed = icu("wellness", "show", "3d")
    assert listed.exit_code == 2
    assert f"`export INTERVALS_BASE_URL={live.base_url}`" in " ".join(listed.stderr.split())


def test_a_server_that_is_not_the_api_is_a_configuration_error(
        icu: Icu, live: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    monkeypatch.setenv("INTERVALS_BASE_URL", live.base_url + "/")
    assert icu("doctor", "--json").exit_code == 0  # a trailing slash is fine
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as web:  # answers 404 to everything
        threading.Thread(target=web.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{web.server_address[1]}"
        monkeypatch.setenv("INTERVALS_BASE_URL", url)
        run = icu("doctor", "--json")
        web.shutdown()
    assert run.exit_code == 2
    check = _checks(run)["connectivity"]
    assert check["detail"] == f"{url} is not the Intervals.icu API (it answers HTTP 404 for " \
        "/api/v1/athlete/0)"
    assert "`export INTERVALS_BASE_URL=https://intervals.icu`" in check["fix"]


def test_a_key_pasted_with_its_api_key_prefix(icu: Icu, live: Sandbox, home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVALS_API_KEY", f"API_KEY:{live.api_key}")
    run = icu("doctor", "--json")
    assert run.exit_code == 3
    check = _checks(run)["auth scheme"]
    assert check["detail"] == "the key in INTERVALS_API_KEY starts with 'API_KEY:'"
    assert '`export INTERVALS_API_KEY="${INTERVALS_API_KEY#API_KEY:}"`' in check["fix"]
    assert live.api_key not in run.stdout  # the advice never prints the key
    fixed = _follow(check["fix"], _env(home, INTERVALS_BASE_URL=live.base_url,
                                       INTERVALS_API_KEY=f"API_KEY:{live.api_key}"))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    listed = icu("wellness", "show", "3d")
    assert listed.exit_code == 3
    assert "starts with 'API_KEY:'" in listed.stderr
    assert live.api_key not in listed.stderr


def test_an_athlete_id_without_its_i(icu: Icu, live: Sandbox, home: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVALS_API_KEY", live.coach_api_key)
    number = live.athlete_id.lstrip("i")
    run = icu("doctor", "--athlete", number, "--json")
    assert run.exit_code == 2
    check = _checks(run)["athlete id"]
    assert f"(written {live.athlete_id})" in check["detail"]
    assert check["fix"].startswith(f"use --athlete {live.athlete_id}")
    assert icu("doctor", "--athlete", live.athlete_id).exit_code == 0
    from_env = _env(home, INTERVALS_BASE_URL=live.base_url, INTERVALS_API_KEY=live.coach_api_key,
                    INTERVALS_ATHLETE_ID=number)
    monkeypatch.setenv("INTERVALS_ATHLETE_ID", number)
    env_check = _checks(icu("doctor", "--json"))["athlete id"]
    assert env_check["fix"].startswith(f"`export INTERVALS_ATHLETE_ID={live.athlete_id}`")
    fixed = _follow(env_check["fix"], from_env)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    listed = icu("wellness", "show", "3d")
    assert listed.exit_code == 3
    said = " ".join(listed.stderr.split())
    assert f"{number} is written {live.athlete_id}" in said
    assert f"`export INTERVALS_ATHLETE_ID={live.athlete_id}`" in said
    _no_python(listed)


def test_a_passing_run_does_not_mention_a_refusal(icu: Icu, live: Sandbox) -> None:
    run = icu("doctor")
    assert run.exit_code == 0
    assert "401" not in run.stdout
    assert "answers as the Intervals.icu API" in " ".join(run.stdout.split())
