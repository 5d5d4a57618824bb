"""CLI tests: the real `icu` app run in-process by typer's CliRunner, talking HTTP to a live
sandbox (INTERVALS_BASE_URL), with the config and data directories in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from intervals_icu.cli.app import app
from intervals_icu.sandbox import Sandbox


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


Icu = Callable[..., Run]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated user directories and no credentials from the developer's shell."""
    for name in ("INTERVALS_API_KEY", "INTERVALS_ACCESS_TOKEN", "INTERVALS_ATHLETE_ID",
                 "INTERVALS_BASE_URL", "ICU_JOURNAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return tmp_path


@pytest.fixture
def icu(home: Path) -> Icu:
    def run(*args: str, input: str | None = None) -> Run:
        result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def live(live_sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A live sandbox the CLI is pointed at through the environment, as a user would."""
    monkeypatch.setenv("INTERVALS_BASE_URL", live_sandbox.base_url)
    monkeypatch.setenv("INTERVALS_API_KEY", live_sandbox.api_key)
    return live_sandbox
