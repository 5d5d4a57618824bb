"""Athlete routes and the Sandbox's own clients: bodies as the spec gives them, and a
sandbox client that acts for the sandbox's athlete whatever the environment says."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from intervals_icu.models import AthleteTrainingPlanUpdate
from intervals_icu.sandbox import Sandbox


@pytest.fixture
def coach_http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url,
                      auth=("API_KEY", sandbox.coach_api_key)) as http:
        yield http


def test_athlete_plans_take_the_spec_body(sandbox: Sandbox, coach_http: httpx.Client) -> None:
    """``AthleteTrainingPlanUpdate`` names the athlete in ``id`` (issue 11, item 1)."""
    first, second = sandbox.athlete_ids[:2]
    response = coach_http.put("/api/v1/athlete-plans", json=[
        {"id": first, "training_plan_alias": "Base", "training_plan_start_date": "2030-01-06"},
        {"id": second, "training_plan_alias": "Build"},
    ])
    assert response.status_code == 200, response.text
    assert coach_http.get(f"/api/v1/athlete/{first}/training-plan").json()[
        "training_plan_alias"] == "Base"
    assert coach_http.get(f"/api/v1/athlete/{second}/training-plan").json()[
        "training_plan_alias"] == "Build"


def test_athlete_plans_through_the_client(sandbox: Sandbox) -> None:
    with sandbox.client(sandbox.coach_api_key) as coach:
        coach.athletes.update_training_plans([
            AthleteTrainingPlanUpdate(id=sandbox.athlete_id, training_plan_alias="Spring")])
        plan = coach.for_athlete(sandbox.athlete_id).athletes.training_plan()
    assert plan.training_plan_alias == "Spring"


def test_athlete_plans_need_the_athlete_and_access(sandbox: Sandbox,
                                                  coach_http: httpx.Client) -> None:
    missing = coach_http.put("/api/v1/athlete-plans", json=[{"training_plan_alias": "x"}])
    assert missing.status_code == 422
    assert "'id'" in missing.json()["error"]
    stranger = coach_http.put("/api/v1/athlete-plans", json=[
        {"id": sandbox.athlete_id, "training_plan_alias": "kept?"},
        {"id": sandbox.stranger_id, "training_plan_alias": "no"}])
    assert stranger.status_code == 403
    # Nothing of a refused batch is applied.
    plan = coach_http.get(f"/api/v1/athlete/{sandbox.athlete_id}/training-plan").json()
    assert plan.get("training_plan_alias") != "kept?"


def test_sandbox_client_acts_for_the_sandbox_athlete(sandbox: Sandbox,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Docs tell users to export INTERVALS_ATHLETE_ID; a sandbox's client must not follow it
    to an athlete this sandbox does not have (issue 10, item 6)."""
    monkeypatch.setenv("INTERVALS_ATHLETE_ID", "i999999")
    with sandbox.client() as client:
        assert client.athletes.get().id == sandbox.athlete_id
    with sandbox.client(sandbox.coach_api_key) as coach:
        assert coach.athletes.get().id == sandbox.coach_id
    token = sandbox.oauth_token(scopes="WELLNESS:READ")
    with sandbox.client(credentials=token.credentials()) as bearer:
        day = sandbox.state.local_today(sandbox.athlete_id)
        assert str(bearer.wellness.get(day).id) == day.isoformat()
    with sandbox.client(athlete_id=sandbox.athlete_ids[1]) as chosen:
        assert chosen.athletes.get().id == sandbox.athlete_ids[1]


async def test_sandbox_async_client_acts_for_the_sandbox_athlete(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVALS_ATHLETE_ID", "i999999")
    async with sandbox.async_client() as client:
        assert (await client.athletes.get()).id == sandbox.athlete_id
