"""Every example in README.md and docs/ runs in a shell set up the way the docs say, with
INTERVALS_API_KEY and INTERVALS_ATHLETE_ID exported (so recipes cannot rot, and an example
that secretly depends on a clean environment is caught).

* A ```python block runs as is. One that builds its own ``Sandbox(`` runs with a user's
  variables exported (a key and an athlete id of some real account, and INTERVALS_BASE_URL
  on a closed local port, so an example that wrongly reads them fails here instead of
  calling intervals.icu). Any other block (the README's recipes) talks to a live sandbox
  through those variables, as it would to intervals.icu; a block that says "a coach's key"
  gets the coach's.
* A block whose first line is ``# fragment: <why>`` (or ``# not runnable here: <why>``) is
  not run: a fragment must say so.
* docs/cli.md's shell examples: see tests/cli/test_cli_doc_examples.py.
"""

from __future__ import annotations

import re
import runpy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from intervals_icu.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
FRAGMENT = ("# fragment:", "# not runnable")
A_USERS_SETUP = {"INTERVALS_API_KEY": "0123456789abcdef0123456789abcdef",
                 "INTERVALS_ATHLETE_ID": "i123456", "INTERVALS_BASE_URL": "http://127.0.0.1:9"}


def _blocks() -> list[tuple[str, str]]:
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for index, match in enumerate(BLOCK.finditer(page.read_text())):
            found.append((f"{page.name}#{index + 1}", match.group(1)))
    return found


EXAMPLES = [(w, c) for w, c in _blocks() if not c.lstrip().startswith(FRAGMENT)]
OWN_SANDBOX = [(w, c) for w, c in EXAMPLES if "Sandbox(" in c]
ON_A_SERVER = [(w, c) for w, c in EXAMPLES if "Sandbox(" not in c]


def _sandbox_follows_the_environment() -> bool:
    """Issue 10 item 6 (fixed on the client engineer's branch): a sandbox's client acts for
    the sandbox's athlete, whatever INTERVALS_ATHLETE_ID says."""
    import os

    saved = os.environ.get("INTERVALS_ATHLETE_ID")
    os.environ["INTERVALS_ATHLETE_ID"] = A_USERS_SETUP["INTERVALS_ATHLETE_ID"]
    try:
        sandbox = Sandbox(seed=1, athletes=1, years=0, history=False)
        with sandbox.client() as client:
            return bool(client.athlete_id == A_USERS_SETUP["INTERVALS_ATHLETE_ID"])
    finally:
        if saved is None:
            os.environ.pop("INTERVALS_ATHLETE_ID", None)
        else:
            os.environ["INTERVALS_ATHLETE_ID"] = saved


KNOWN_SANDBOX_BUG = _sandbox_follows_the_environment()


def _run(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "example.py"
    script.write_text(code)
    runpy.run_path(str(script), run_name="__main__")


def test_every_block_runs_or_is_marked_as_a_fragment() -> None:
    for where, code in _blocks():
        if code.lstrip().startswith(FRAGMENT):
            assert ":" in code.lstrip().splitlines()[0].rstrip(": "), \
                f"{where}: a fragment says why it is one"
    assert len(EXAMPLES) > 50
    assert {w for w, _ in ON_A_SERVER} == {"README.md#1", "README.md#2"}


@pytest.mark.parametrize(("where", "code"), OWN_SANDBOX, ids=[w for w, _ in OWN_SANDBOX])
def test_an_example_with_its_own_sandbox_runs(where: str, code: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """As written, with nothing of the user's in the environment."""
    for name in A_USERS_SETUP:
        monkeypatch.delenv(name, raising=False)
    _run(code, tmp_path, monkeypatch)


@pytest.mark.parametrize(("where", "code"), OWN_SANDBOX, ids=[w for w, _ in OWN_SANDBOX])
def test_an_example_with_its_own_sandbox_runs_in_a_users_shell(
        where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        request: pytest.FixtureRequest) -> None:
    if KNOWN_SANDBOX_BUG:
        request.applymarker(pytest.mark.xfail(
            reason="Sandbox.client() follows INTERVALS_ATHLETE_ID (issue 10 item 6, on another "
                   "branch); strict again once it is merged", strict=False))
    for name, value in A_USERS_SETUP.items():
        monkeypatch.setenv(name, value)
    _run(code, tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def server() -> Iterator[Sandbox]:
    with Sandbox(seed=13, athletes=2, years=0.25) as sb:
        yield sb


@pytest.mark.parametrize(("where", "code"), ON_A_SERVER, ids=[w for w, _ in ON_A_SERVER])
def test_a_recipe_runs_with_the_exported_variables(
        where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        server: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    coach = "a coach's key" in _prose_before(where)
    monkeypatch.setenv("INTERVALS_BASE_URL", server.base_url)
    monkeypatch.setenv("INTERVALS_API_KEY", server.coach_api_key if coach else server.api_key)
    monkeypatch.setenv("INTERVALS_ATHLETE_ID", server.coach_id if coach else server.athlete_id)
    _run(code, tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    if coach:
        assert all(athlete in printed for athlete in server.athlete_ids)
    else:  # every activity of the month, Strava imports included, and nothing crashed
        with server.client() as client:
            listed = client.activities.list(client.today() - timedelta(days=30))
        assert listed
        assert all(activity.id in printed for activity in listed)


def _prose_before(where: str) -> str:
    """The paragraph that introduces a block (it says whose key the block needs)."""
    page, number = where.split("#")
    text = (ROOT / page if page == "README.md" else ROOT / "docs" / page).read_text()
    match = list(BLOCK.finditer(text))[int(number) - 1]
    return text[:match.start()].rstrip().rsplit("\n\n", 1)[-1]
