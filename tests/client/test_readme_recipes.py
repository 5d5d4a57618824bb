"""The README's two recipes, run as written against a sandbox whose history has activities
imported from Strava (issue 10, item 6: recipe 1 crashed on the first Strava stub)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import intervals_icu
from intervals_icu import ApiKey, Client
from intervals_icu.models import SUMMARY_FIELDS, Activity, StravaActivityStub
from intervals_icu.sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"


def _recipes() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [code for code in blocks if "Sandbox(" not in code]


@pytest.fixture
def sandbox() -> Any:
    sb = Sandbox(seed=42, athletes=2, years=1.5)
    sb.device_import(sb.athlete_id, source="STRAVA")  # one more, today: always in range
    yield sb
    sb.stop()


def _run(code: str, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str], *, as_coach: bool = False) -> str:
    """Run ``code`` with ``Client()`` giving the sandbox's athlete (or its coach), as
    ``INTERVALS_API_KEY`` would in the shell the README describes."""
    own: Client = sandbox.client(sandbox.coach_api_key if as_coach else None)

    def client(credentials: ApiKey | None = None, **_: Any) -> Client:
        return own

    monkeypatch.setattr(intervals_icu, "Client", client)
    try:
        exec(compile(code, str(README), "exec"), {"__name__": "__main__"})
    finally:
        monkeypatch.undo()
    return capsys.readouterr().out


def test_recipe_1_lists_strava_stubs_without_crashing(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    own, _coach = _recipes()
    with sandbox.client() as client:
        month_ago = client.today() - timedelta(days=30)
        listed = client.activities.list(month_ago)
        stubs = [a for a in listed if isinstance(a, StravaActivityStub)]
        edited = next(a for a in listed if not a.is_strava_stub)
    assert stubs, "the sandbox's history has Strava imports"
    out = _run(own, sandbox, monkeypatch, capsys)
    lines = out.splitlines()
    assert len(lines) == len(listed)
    for stub in stubs:
        assert f"{stub.start_date_local} {stub.id} (from Strava)" in lines
    with sandbox.client() as client:
        changed = client.activities.get(edited.id)
        assert changed.name == f"{edited.name} (hills)"
        assert changed.icu_rpe is None
        assert client.wellness.get(client.today()).weight == 71.2


def test_recipe_2_a_coach_reads_every_athlete(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _own, coach = _recipes()
    out = _run(coach, sandbox, monkeypatch, capsys, as_coach=True)
    with sandbox.client(sandbox.coach_api_key) as client:
        ids = [a.id for a in client.athletes.list()]
    assert [line.split(" ", 1)[0] for line in out.splitlines()] == ids


def test_a_stub_answers_every_summary_field_with_none_typed_as_the_activity() -> None:
    stub = StravaActivityStub.model_validate({"id": "1", "source": "STRAVA",
                                              "start_date_local": "2025-01-01T07:00:00"})
    for name in SUMMARY_FIELDS:
        assert getattr(stub, name) is None
        returns = getattr(StravaActivityStub, name).fget.__annotations__["return"]
        assert returns == str(Activity.model_fields[name].annotation).replace(
            "typing.", ""), name
    assert {"name", "type", "distance", "moving_time", "icu_training_load"} <= set(
        SUMMARY_FIELDS)
    assert stub.model_dump(exclude_none=True) == {
        "id": "1", "source": "STRAVA", "start_date_local": "2025-01-01T07:00:00"}
