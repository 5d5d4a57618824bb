"""`icu report` and `icu fitness` as a user runs them."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from intervals_icu.report.terminal import FitnessDay, fitness_chart
from tests.cli.conftest import Icu, home, icu, live  # noqa: F401
from tests.report.conftest import Mirrored


def test_report_writes_the_file_and_pngs(icu: Icu, mirrored: Mirrored, tmp_path: Path,  # noqa: F811
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    out = tmp_path / "r.html"
    run = icu("report", "30d", "--db", mirrored.url, "--athlete", mirrored.with_streams,
              "-o", str(out), "--png", str(tmp_path / "png"), "--open")
    assert run.exit_code == 0, run.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert opened == [out.resolve().as_uri()]
    pngs = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert pngs == sorted(f"{mirrored.with_streams}-{k}.png" for k in
                          ("fitness", "weekly", "monthly", "wellness", "curves", "compliance"))
    assert all((tmp_path / "png" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert "the last 30 days" in run.stderr


def test_report_errors_say_what_to_do(icu: Icu, mirrored: Mirrored, tmp_path: Path) -> None:  # noqa: F811
    run = icu("report", "--db", str(tmp_path / "none.db"), "-o", str(tmp_path / "x.html"))
    assert run.exit_code == 2
    assert "icu sync" in run.stderr
    run = icu("report", "--db", mirrored.url, "--athlete", "i999", "-o",
              str(tmp_path / "x.html"))
    assert run.exit_code == 2
    assert "icu sync --athlete i999" in run.stderr
    run = icu("report", "2025-05-01..2025-04-01", "--db", mirrored.url)
    assert run.exit_code == 2
    assert not (tmp_path / "x.html").exists()


def test_fitness_piped_is_a_table_of_the_mirror(icu: Icu, mirrored: Mirrored) -> None:  # noqa: F811
    athlete = mirrored.with_streams
    run = icu("fitness", "14d", "--db", mirrored.url, "--athlete", athlete)
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["date", "fitness", "fatigue", "form", "ramp"]
    db = sqlite3.connect(mirrored.path)
    (zone,) = db.execute("SELECT timezone FROM athletes WHERE athlete_id = ?",
                         (athlete,)).fetchone()
    today = datetime.now(ZoneInfo(zone)).date()
    rows = db.execute("SELECT day, ctl, atl, ramp_rate FROM wellness WHERE athlete_id = ? AND "
                      "day > ? AND day <= ? AND ctl IS NOT NULL ORDER BY day",
                      (athlete, (today - timedelta(days=14)).isoformat(),
                       today.isoformat())).fetchall()
    assert [line.split()[0] for line in lines[1:]] == [r[0] for r in rows]
    lowest = min(rows, key=lambda r: (r[1] - r[2], r[0]))
    shown = next(line.split() for line in lines[1:] if line.startswith(lowest[0]))
    assert float(shown[1]) == pytest.approx(lowest[1], abs=0.051)
    assert float(shown[3]) == pytest.approx(lowest[1] - lowest[2], abs=0.051)
    assert max(len(line) for line in lines) <= 80


def test_fitness_from_the_api(icu: Icu, live) -> None:  # noqa: F811
    run = icu("fitness", "7d")
    assert run.exit_code == 0, run.stderr
    with live.client() as client:
        today = client.today()
        records = {str(w.id): w for w in client.wellness.list(today - timedelta(days=6), today)}
    days = [line.split() for line in run.stdout.splitlines()[1:]]
    assert [d[0] for d in days] == sorted(d for d, w in records.items() if w.ctl is not None)
    for day, fitness, fatigue, *_ in days:
        assert float(fitness) == pytest.approx(records[day].ctl, abs=0.051)
        assert float(fatigue) == pytest.approx(records[day].atl, abs=0.051)


def test_terminal_chart_fits_80_columns_with_whole_dates() -> None:
    first = date(2028, 1, 1)
    days = [FitnessDay(first + timedelta(days=i), 40 + i * 0.3, 45 + (i % 9) * 3.7, 1.0)
            for i in range(120)]
    text = fitness_chart(days, width=80, color=False)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    axis = lines[-1]
    assert "2028-01-01" in axis
    assert days[-1].day.isoformat() in axis


@pytest.mark.parametrize("text", ["2025-01-01..today", "2025-01-01.."])
def test_a_range_to_today_ends_on_each_athletes_own_today(text: str) -> None:
    """The machine's today is not the athlete's: an athlete in Auckland is a day ahead."""
    import typer

    from intervals_icu.cli.report import period_request

    machine_today = date(2026, 12, 4)
    request = period_request(text, machine_today)
    auckland_today = machine_today + timedelta(days=1)
    period = request.for_today(auckland_today)
    assert (period.first, period.last) == (date(2025, 1, 1), auckland_today)
    assert request.describe() == "2025-01-01 .. today"
    with pytest.raises(typer.BadParameter, match="ends before it starts"):
        period_request("2027-01-01..today", machine_today)
    # West of here it is still yesterday: a range from the machine's today is never empty.
    honolulu_today = machine_today - timedelta(days=1)
    for text in ("2026-12-04..today", "2026-12-05..", "today..", "..", "today..today"):
        period = period_request(text, machine_today).for_today(honolulu_today)
        assert (period.first, period.last) == (honolulu_today, honolulu_today), text
    since_yesterday = period_request("yesterday..today", machine_today).for_today(
        auckland_today)
    assert (since_yesterday.first, since_yesterday.last) == (machine_today, auckland_today)
    # A range with both ends named is the same for everyone.
    fixed = period_request("2025-01-01..2025-03-31", machine_today).for_today(auckland_today)
    assert (fixed.first, fixed.last) == (date(2025, 1, 1), date(2025, 3, 31))
