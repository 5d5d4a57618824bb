"""``icu athletes``: the coach's roster with this week's summary columns and each athlete's
form over the last 28 days."""

from __future__ import annotations

from typing import Any

from intervals_icu.cli.output import ESSENTIAL, Column, CsvOpt, JsonOpt, Out
from intervals_icu.cli.trends import spark

# Priorities: what stays on a narrow terminal (lower numbers are hidden last). The form
# sparkline is a "spark" column: hidden first, and never in a pipe or --csv.
COLUMNS = [
    Column("id", kind="id", priority=ESSENTIAL), Column("name", kind="text", priority=1),
    Column("permission", kind="enum", priority=4), Column("tags", kind="text", priority=5),
    Column("fitness", "fitness (CTL)", kind="number", priority=2),
    Column("fatigue", "fatigue (ATL)", kind="number", priority=2),
    Column("form", "form", kind="number", priority=2),
    Column("form_28d", "form (28d)", kind="spark", priority=2, shown=spark),
    Column("count", "activities (7d)", kind="number", priority=4),
    Column("hours", "hours (7d)", kind="number", priority=3),
    Column("training_load", "load (7d)", kind="number", priority=3),
    Column("weight", "weight", kind="number", priority=5),
]


def roster(client: Any, *, trends: bool = False) -> list[dict[str, Any]]:
    """Every athlete the caller can read, joined with their latest summary row; ``trends``
    adds ``form_28d``, their form over the 28 days to their today (one wellness read each)."""
    from intervals_icu.dates import today_in

    athletes = client.for_athlete("0").athletes.list()
    summary = client.for_athlete("0").athletes.summary()
    latest: dict[str, dict[str, Any]] = {}
    for row in summary:
        data = row.model_dump(mode="json", exclude_none=True)
        key = str(data.get("athlete_id"))
        if key not in latest or str(data.get("date", "")) >= str(latest[key].get("date", "")):
            latest[key] = data
    rows: list[dict[str, Any]] = []
    todays = []
    for athlete in athletes:
        data = athlete.model_dump(mode="json", exclude_none=True)
        week = latest.get(str(data.get("id")), {})
        todays.append((str(data.get("id")), today_in(data.get("timezone"))))
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
    if trends:
        from intervals_icu.cli.trends import form_trends

        found = form_trends(client, todays)
        for row in rows:
            row["form_28d"] = found.get(str(row["id"]))
    return rows


def _round(value: Any) -> Any:
    return round(value, 1) if isinstance(value, float) else value


def athletes(as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """You and every athlete you coach or follow, with fitness, fatigue, form and this week's
    totals (from athlete-summary), and on a terminal each one's form over the last 28 days
    (--json: the numbers, as form_28d)."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json, as_csv=as_csv)
    with Session() as session:
        # The trend costs one request per athlete: only read when it is shown.
        rows = roster(session.client, trends=as_json or out.draws_sparklines)
    out.rows(rows, COLUMNS, title=f"{len(rows)} athletes")
