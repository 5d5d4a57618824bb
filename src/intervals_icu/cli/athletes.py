"""``icu athletes``: the coach's roster with this week's summary columns."""

from __future__ import annotations

from typing import Any

from intervals_icu.cli.output import ESSENTIAL, Column, CsvOpt, JsonOpt, Out

# Priorities: what stays on a narrow terminal (lower numbers are hidden last).
COLUMNS = [
    Column("id", kind="id", priority=ESSENTIAL), Column("name", kind="text", priority=1),
    Column("permission", kind="enum", priority=4), Column("tags", kind="text", priority=5),
    Column("fitness", "fitness (CTL)", kind="number", priority=2),
    Column("fatigue", "fatigue (ATL)", kind="number", priority=2),
    Column("form", "form", kind="number", priority=2),
    Column("count", "activities (7d)", kind="number", priority=4),
    Column("hours", "hours (7d)", kind="number", priority=3),
    Column("training_load", "load (7d)", kind="number", priority=3),
    Column("weight", "weight", kind="number", priority=5),
]


def roster(client: Any) -> list[dict[str, Any]]:
    """Every athlete the caller can read, joined with their latest summary row."""
    athletes = client.for_athlete("0").athletes.list()
    summary = client.for_athlete("0").athletes.summary()
    latest: dict[str, dict[str, Any]] = {}
    for row in summary:
        data = row.model_dump(mode="json", exclude_none=True)
        key = str(data.get("athlete_id"))
        if key not in latest or str(data.get("date", "")) >= str(latest[key].get("date", "")):
            latest[key] = data
    rows: list[dict[str, Any]] = []
    for athlete in athletes:
        data = athlete.model_dump(mode="json", exclude_none=True)
        week = latest.get(str(data.get("id")), {})
        rows.append({
            "id": data.get("id"),
            "name": data.get("name"),
            "permission": data.get("icu_permission"),
            "tags": ", ".join(data.get("icu_tags") or []),
            "fitness": _round(week.get("fitness")),
            "fatigue": _round(week.get("fatigue")),
            "form": _round(week.get("form")),
            "count": week.get("count"),
            "hours": round((week.get("moving_time") or 0) / 3600, 1) if week else None,
            "training_load": week.get("training_load"),
            "weight": week.get("weight") or data.get("weight"),
        })
    return rows


def _round(value: Any) -> Any:
    return round(value, 1) if isinstance(value, float) else value


def athletes(as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """You and every athlete you coach or follow, with fitness, fatigue, form and this week's
    totals (from athlete-summary)."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json, as_csv=as_csv)
    with Session() as session:
        rows = roster(session.client)
    out.rows(rows, COLUMNS, title=f"{len(rows)} athletes")
