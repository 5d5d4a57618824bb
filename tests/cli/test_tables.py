"""Tables at 80 and 200 columns, on a terminal and through a pipe, never cut an id, a number, a
date, a time or an enum value: on a terminal a column is shown whole or not at all (and then
named under the table), and only free text is shortened; through a pipe every value is
whole, one record a line."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intervals_icu.cli.output import ESSENTIAL, Column, Out, cell
from intervals_icu.cli.tables import TEXT_MIN, cell_width, fit, plain_table
from intervals_icu.report.sparkline import BLOCKS
from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu, Run

ANSI = re.compile(r"\x1b\[[0-9;]*m")
MODES = [(80, True), (200, True), (80, False), (200, False)]
LONG = "A long name that says a lot about the session, too long for a narrow terminal"


def _hidden(text: str) -> list[str]:
    """The titles the (first) caption names as left out, none when all fit: columns, then
    sparklines (which only a wider terminal shows)."""
    flat = " ".join(text.split())
    if "not shown at " not in flat:
        return []
    caption = flat.split("not shown at ")[1]
    found = re.match(r"\d+ columns: (?:(.*?) \(a wider terminal, --csv or a pipe shows every "
                     r"column\))?(?:;? ?(.*?) \(a sparkline: a wider terminal shows it\))?",
                     caption)
    assert found, caption
    assert found.group(0).endswith(")"), caption
    return [title for part in found.groups() if part for title in part.split(", ")]


def _cells(line: str) -> list[str]:
    return [c for c in re.split(r"\s{2,}", line.strip()) if c]


def _whole(value: str, line: str) -> bool:
    return re.search(rf"(?<!\S){re.escape(value)}(?!\S)", line) is not None


def check_table(output: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *,
                width: int, terminal: bool, key_columns: int = 1) -> None:
    """Every record is on a line of its own that starts with its key (its first column's
    value, or the first ``key_columns`` values); on
    that line each value is whole, or (free text on a terminal) shortened with "…", or its
    column is named as not shown."""
    text = ANSI.sub("", output)
    lines = text.splitlines()
    hidden = _hidden(text) if terminal else []
    free = {c.key for c in columns if c.kind == "text" or (
        c.kind is None and any(" " in cell(r.get(c.key)) for r in rows))}
    if not terminal:
        assert "…" not in text
        assert not hidden
        # sparklines are a terminal's: a pipe has the --csv columns, no block characters
        assert not set(BLOCKS) & set(text), text
    for row in rows:
        key = " ".join(cell(row.get(c.key)) for c in columns[:key_columns])
        found = [line for line in lines if line.split()[:len(key.split())] == key.split()]
        assert len(found) == 1, (key, text)
        line = found[0]
        if terminal:
            assert cell_width(line.rstrip()) <= width, line
        expected = {c.key: " ".join((c.shown(row.get(c.key)) if c.shown else
                                     cell(row.get(c.key))).split()) for c in columns}
        for column in columns:
            value = expected[column.key]
            if column.is_spark:  # its gaps (days without a value) are kept as they are
                value = column.shown(row.get(column.key)) if column.shown else \
                    cell(row.get(column.key))
            if not value or (terminal and column.title in hidden) or (
                    column.is_spark and not terminal):
                continue
            if column.key in free and terminal and column.wrap:
                continue  # wrapped over several lines: checked by the property test
            if column.key in free and terminal and not _whole(value, line):
                shortened = [c for c in _cells(line) if c.endswith("…")]
                assert any(value.startswith(c[:-1]) for c in shortened), (column.key, line)
                continue
            assert _whole(value, line), (column.key, value, line)
        if terminal:  # every "…" on the line shortens one of the record's free texts
            for piece in _cells(line):
                if "…" in piece:
                    assert piece.endswith("…"), piece
                    assert any(expected[k].startswith(piece[:-1]) for k in free), piece


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Callable[[int, bool], None]:
    """Set the width, and whether stdout counts as a terminal (rich reads TTY_COMPATIBLE)."""
    def set_screen(width: int, terminal: bool) -> None:
        monkeypatch.setenv("COLUMNS", str(width))
        monkeypatch.setenv("TTY_COMPATIBLE", "1" if terminal else "0")
        monkeypatch.setenv("NO_COLOR", "1")
    return set_screen


def _modes(screen: Callable[[int, bool], None], icu: Icu, *args: str
           ) -> Iterator[tuple[int, bool, Run]]:
    for width, terminal in MODES:
        screen(width, terminal)
        run = icu(*args)
        assert run.exit_code == 0, run.stderr
        yield width, terminal, run


# -- every list command -----------------------------------------------------------------------


def test_activities_list(icu: Icu, live: Sandbox, screen: Any) -> None:
    from intervals_icu.cli.activities import LIST_COLUMNS

    with live.client() as client:
        ride = next(a for a in client.activities.list(client.today() - timedelta(days=30))
                    if getattr(a, "distance", None))
        client.activities.update(ride.id, name=LONG)
    rows = icu("activities", "list", "--json").json()
    assert any(r["name"] == LONG for r in rows)
    for width, terminal, run in _modes(screen, icu, "activities", "list"):
        check_table(run.stdout, rows, LIST_COLUMNS, width=width, terminal=terminal)
    screen(80, True)
    narrow = ANSI.sub("", icu("activities", "list").stdout)
    assert "…" in narrow  # the long name was shortened, not wrapped over lines
    assert "avg W" not in narrow or any(r.get("watts") for r in rows)  # empty: dropped


def test_bare_activities_lists_the_last_30_days(icu: Icu, live: Sandbox) -> None:
    bare = icu("activities")
    assert bare.exit_code == 0, bare.stderr
    assert bare.stdout == icu("activities", "list", "30d").stdout
    assert len(bare.stdout.splitlines()) > 5


def _spark_in(line: str) -> str:
    """The sparkline on a table line (the longest run of block characters and gaps)."""
    runs = re.findall(rf"[{BLOCKS}][{BLOCKS} ]*[{BLOCKS}]", line)
    return max(runs, key=len) if runs else ""


def _block_at(values: Sequence[float | None], index: int) -> str:
    """The block a day's value must be drawn as: its place between the series' lowest (▁)
    and highest (█) value, in eight steps."""
    present = [v for v in values if v is not None]
    low, high = min(present), max(present)
    value = values[index]
    assert value is not None
    return BLOCKS[round((value - low) / (high - low) * (len(BLOCKS) - 1))]


def _picked_days(values: Sequence[float | None]) -> dict[str, int]:
    """Days picked by property: the highest, the lowest, and the one nearest the middle."""
    days = [i for i, v in enumerate(values) if v is not None]
    high = max(days, key=lambda i: values[i])  # type: ignore[arg-type,return-value]
    low = min(days, key=lambda i: values[i])  # type: ignore[arg-type,return-value]
    middle = (values[high] + values[low]) / 2  # type: ignore[operator]
    return {"highest": high, "lowest": low,
            "middle": min(days, key=lambda i: abs(values[i] - middle))}  # type: ignore[operator]


def _form_by_day(client: Any, first: Any, last: Any) -> list[float | None]:
    """Form (fitness - fatigue) per day, read from the API, not from the command."""
    records = {str(w.id)[:10]: w for w in client.wellness.list(first, last)}
    values: list[float | None] = []
    day = first
    while day <= last:
        w = records.get(day.isoformat())
        values.append(None if w is None or w.ctl is None or w.atl is None
                      else round(w.ctl - w.atl, 2))
        day += timedelta(days=1)
    return values


def test_athletes(icu: Icu, live: Sandbox, screen: Any,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    from intervals_icu.cli.athletes import COLUMNS

    monkeypatch.setenv("INTERVALS_API_KEY", live.coach_api_key)
    rows = icu("athletes", "--json").json()
    for width, terminal, run in _modes(screen, icu, "athletes"):
        check_table(run.stdout, rows, COLUMNS, width=width, terminal=terminal)
        # the ids that the 403 message sends people here for, whole
        assert all(_whole(r["id"], ANSI.sub("", run.stdout)) for r in rows)
        if not terminal:  # a pipe keeps the --csv columns: no sparkline, no trend read
            assert run.stdout.splitlines()[0].split() == \
                icu("athletes", "--csv").stdout.splitlines()[0].split(",")
    screen(80, True)  # the form trend outranks the minor columns: it is drawn at 80 columns
    wide_enough = ANSI.sub("", icu("athletes").stdout)
    assert "form (28d)" in wide_enough
    assert "a sparkline" not in wide_enough
    screen(60, True)  # too narrow for it: the numbers stay and the caption says so
    assert "form (28d) (a sparkline: a wider terminal shows it)" in " ".join(
        ANSI.sub("", icu("athletes").stdout).split())


def test_athletes_form_sparkline_draws_each_days_form(icu: Icu, live: Sandbox, screen: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each athlete's form over the 28 days to their today, one block a day: the day of
    highest form is █, the lowest ▁, and the day nearest the middle its own step, all read
    from the API's wellness records."""
    from intervals_icu.dates import today_in

    monkeypatch.setenv("INTERVALS_API_KEY", live.coach_api_key)
    screen(200, True)
    lines = ANSI.sub("", icu("athletes").stdout).splitlines()
    rows = icu("athletes", "--json").json()
    assert len(rows) > 1
    with live.client(live.coach_api_key) as coach:
        for row in rows:
            today = today_in(coach.for_athlete(row["id"]).athletes.get().timezone)
            first = today - timedelta(days=27)
            form = _form_by_day(coach.for_athlete(row["id"]), first, today)
            assert row["form_28d"] == {"first": str(first), "last": str(today),
                                       "values": form}
            [line] = [line for line in lines if line.startswith(row["id"] + " ")]
            drawn = _spark_in(line)
            assert len(drawn) == 28, line
            picked = _picked_days(form)
            assert drawn[picked["highest"]] == "█"
            assert drawn[picked["lowest"]] == "▁"
            assert drawn[picked["middle"]] == _block_at(form, picked["middle"])
            assert all(drawn[i] == " " for i, v in enumerate(form) if v is None)


def test_wellness_show(icu: Icu, live: Sandbox, screen: Any) -> None:
    from intervals_icu.cli.wellness import DEFAULT_COLUMNS, _column

    with live.client() as client:
        client.wellness.update(client.today() - timedelta(days=2), comments=LONG)
    rows = icu("wellness", "show", "14d", "--json").json()
    for row in rows:
        if row.get("sleepSecs"):
            row["sleep_h"] = round(row["sleepSecs"] / 3600, 1)
    columns = [_column(c) for c in DEFAULT_COLUMNS]
    for width, terminal, run in _modes(screen, icu, "wellness", "show", "14d"):
        shown = [c for c in columns if terminal or c.key in run.stdout.splitlines()[0].split()]
        check_table(run.stdout, rows, shown, width=width, terminal=terminal)
        if not terminal:  # one record a line, nothing under them
            assert len(run.stdout.splitlines()) == len(rows) + 1


def test_wellness_trend_draws_hrv_and_form_of_the_last_28_days(icu: Icu, live: Sandbox,
                                                                screen: Any) -> None:
    """Under the records, on a terminal: HRV and form over the 28 days to the range's last
    day; the numbers are the API's, and each picked day's block is its place between the
    low (▁) and the high (█)."""
    with live.client() as client:
        today = client.today()
        first = today - timedelta(days=27)
        records = {str(w.id)[:10]: w for w in client.wellness.list(first, today)}
    days = [first + timedelta(days=n) for n in range(28)]
    hrv = [records[d.isoformat()].hrv if d.isoformat() in records else None for d in days]
    with live.client() as client:
        form = _form_by_day(client, first, today)
    for width in (80, 200):
        screen(width, True)
        text = ANSI.sub("", icu("wellness", "show", "7d").stdout)
        assert f"trend {first} .. {today}, a block a day" in text
        for name, values in (("hrv", hrv), ("form", form)):
            [line] = [line for line in text.splitlines() if line.startswith(name + " ")]
            present = [v for v in values if v is not None]
            numbers = line.split()[-4:]
            assert numbers == [cell(present[-1]), cell(round(sum(present) / len(present), 2)),
                               cell(min(present)), cell(max(present))], line
            drawn = _spark_in(line)
            assert len(drawn) == 28, line
            picked = _picked_days(values)
            assert drawn[picked["highest"]] == "█"
            assert drawn[picked["lowest"]] == "▁"
            assert drawn[picked["middle"]] == _block_at(values, picked["middle"])
    screen(40, True)  # too narrow for the sparkline: the numbers stay, the caption says so
    narrow = ANSI.sub("", icu("wellness", "show", "7d").stdout)
    assert "trend (a sparkline: a wider terminal shows it)" in " ".join(narrow.split())
    trend_lines = [line for line in narrow.splitlines() if line.startswith(("hrv ", "form "))]
    assert len(trend_lines) == 2
    assert not any(set(BLOCKS) & set(line) for line in trend_lines)
    screen(200, False)
    piped = icu("wellness", "show", "7d")
    assert "trend" not in piped.stdout  # the records alone, one a line
    assert len(piped.stdout.splitlines()) == len(icu("wellness", "show", "7d", "--json").json()) + 1


def test_bare_wellness_shows_the_last_7_days(icu: Icu, live: Sandbox) -> None:
    bare = icu("wellness")
    assert bare.exit_code == 0, bare.stderr
    assert bare.stdout == icu("wellness", "show", "7d").stdout
    assert len(bare.stdout.splitlines()) >= 6  # the header and the days


def test_events_list(icu: Icu, live: Sandbox, screen: Any) -> None:
    from intervals_icu.cli.events import LIST_COLUMNS, _row

    with live.client() as client:
        client.events.create(start_date_local=f"{client.today()}T00:00:00", category="NOTE",
                             name=LONG)
    rows = [_row(e) for e in icu("events", "list", "--json").json()]
    assert any(r["name"] == LONG for r in rows)
    columns = [c if isinstance(c, Column) else Column(c) for c in LIST_COLUMNS]
    for width, terminal, run in _modes(screen, icu, "events", "list"):
        check_table(run.stdout, rows, columns, width=width, terminal=terminal)
    assert icu("events").stdout == icu("events", "list").stdout


def test_journal_and_journal_show(icu: Icu, live: Sandbox, screen: Any) -> None:
    from intervals_icu.cli.journal_cmd import BATCH_COLUMNS, ENTRY_COLUMNS, local_time

    assert icu("wellness", "set", "2020-03-01..2020-03-03", "weight=70",
               f"comments={LONG}").exit_code == 0
    assert icu("undo", "last", "--yes").exit_code == 0
    assert icu("wellness", "set", "2020-03-05", "hrv=60").exit_code == 0
    rows = icu("journal", "--json").json()
    for row in rows:
        row["athlete"] = ", ".join("(you)" if a == "0" else a for a in row["athletes"])
    for width, terminal, run in _modes(screen, icu, "journal"):
        check_table(run.stdout, rows, BATCH_COLUMNS, width=width, terminal=terminal)
        if width == 80 and terminal:  # times whole, to the second
            assert _whole(local_time(rows[0]["when"]), ANSI.sub("", run.stdout))

    entries = icu("journal", "show", str(rows[-1]["batch"]), "--json").json()["entries"]
    table_rows = [{"seq": e["seq"], "record": f"{e['kind']} {e['record_id']}",
                   "action": e["action"], "status": e["status"]} for e in entries]
    for width, terminal, run in _modes(screen, icu, "journal", "show",
                                       str(rows[-1]["batch"])):
        check_table(run.stdout, table_rows, [c for c in ENTRY_COLUMNS if c.key != "changes"],
                    width=width, terminal=terminal)


def test_webhooks_inspect(icu: Icu, home: Path, screen: Any) -> None:
    """ACTIVITY_UPDATED and ACTIVITY_DELETED stay apart (they looked alike as ACTIVIT…)."""
    from intervals_icu.webhooks import Inbox

    db = home / "inbox.db"
    inbox = Inbox(f"sqlite:///{db}")
    inbox.store([{"type": kind, "athlete_id": "i104202", "timestamp": f"2026-11-0{n}T10:00:00Z",
                  "activity": {"id": f"i4000000{n}"}}
                 for n, kind in enumerate(["ACTIVITY_UPDATED", "ACTIVITY_DELETED",
                                           "WELLNESS_UPDATED", "CALENDAR_UPDATED"], start=1)])
    [claimed, *_] = inbox.claim("test-worker", limit=1)
    inbox.fail(claimed.id, "test-worker", error="NotFound: 404: the activity is gone; "
               "nothing to apply, the mirror already deleted it " * 2, steps_done=[],
               retry_at=None)
    inbox.close()
    rows = icu("webhooks", "inspect", "--db", str(db), "--json").json()["entries"]
    columns = [Column(k) for k in ("id", "status", "type", "athlete_id", "received_at",
                                   "deliveries", "attempts", "last_error")]
    for width, terminal, run in _modes(screen, icu, "webhooks", "inspect", "--db", str(db)):
        check_table(run.stdout, rows, columns, width=width, terminal=terminal)
        plain = ANSI.sub("", run.stdout)
        assert _whole("ACTIVITY_UPDATED", plain)
        assert _whole("ACTIVITY_DELETED", plain)


def test_api_operation_list(icu: Icu, screen: Any) -> None:
    rows = icu("api", "--list", "wellness", "--json").json()
    columns = [Column(k) for k in ("operation", "method", "path", "summary")]
    for width, terminal, run in _modes(screen, icu, "api", "--list", "wellness"):
        check_table(run.stdout, rows, columns, width=width, terminal=terminal)


def test_piped_tables_are_one_record_a_line_with_csv_names(icu: Icu, live: Sandbox,
                                                           screen: Any) -> None:
    screen(80, False)
    run = icu("activities", "list")
    lines = run.stdout.splitlines()
    header = lines[0].split()
    assert header == ["id", "date", "type", "name", "km", "time", "load", "hr", "watts"]
    assert len(lines) == len(icu("activities", "list", "--json").json()) + 1
    assert icu("activities", "list", "--csv").stdout.splitlines()[0] == ",".join(header)


# -- the renderer, for any columns, values and width --------------------------------------------

TOKEN = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-.:_"), min_size=1,
                max_size=30)
SPARK = st.text(st.sampled_from(BLOCKS + " "), min_size=1, max_size=28).filter(str.strip)
WORDS = st.lists(st.text(st.sampled_from("abcdefghij"), min_size=1, max_size=12), min_size=1,
                 max_size=12).map(" ".join)


@st.composite
def tables(draw: Any) -> tuple[list[Column], list[dict[str, str]], int]:
    count = draw(st.integers(1, 9))
    columns = [Column("c0", "id", kind="id", priority=ESSENTIAL)]
    for n in range(1, count):
        kind = draw(st.sampled_from(["id", "number", "date", "enum", "text", "spark"]))
        columns.append(Column(f"c{n}", draw(st.sampled_from([f"c{n}", f"col {n}",
                                                              f"a long header {n}"])),
                              kind=kind, priority=draw(st.integers(0, 6)) if n > 1 else 1,
                              wrap=kind == "text" and draw(st.booleans())))
    row_count = draw(st.integers(1, 6))
    rows = []
    for r in range(row_count):
        row = {"c0": f"r{r:03d}"}
        for column in columns[1:]:
            row[column.key] = draw(st.one_of(st.just(""), WORDS if column.kind == "text"
                                             else SPARK if column.kind == "spark" else TOKEN))
        rows.append(row)
    return columns, rows, draw(st.integers(20, 200))


def _render(columns: list[Column], rows: list[dict[str, str]], width: int,
            terminal: bool) -> str:
    from rich.console import Console

    out = Out()
    buffer = io.StringIO()
    out._console = Console(file=buffer, width=width, force_terminal=terminal, no_color=True,
                           highlight=False, soft_wrap=False)
    import sys
    saved, sys.stdout = sys.stdout, buffer
    try:
        out.rows(rows, columns, title="t")
    finally:
        sys.stdout = saved
    return buffer.getvalue()


def _narrowest(column: Column, rows: list[dict[str, str]]) -> int:
    """The fewest cells the renderer gives a column: a value's width, a header's longest
    word, and free text kept at TEXT_MIN cells (or its whole width, if less)."""
    longest = max(cell_width(r[column.key]) for r in rows)
    head = max(cell_width(w) for w in column.title.split())
    if column.is_text([r[column.key] for r in rows]):
        return min(max(longest, cell_width(column.title)), max(TEXT_MIN, head))
    return max(longest, head)


@settings(max_examples=150, deadline=None)
@given(tables())
def test_the_renderer_never_cuts_a_token_at_any_width(
        table: tuple[list[Column], list[dict[str, str]], int]) -> None:
    columns, rows, width = table
    essentials = [c for c in columns if c.priority == ESSENTIAL and not c.is_spark]
    for terminal in (True, False):
        output = _render(columns, rows, width, terminal)
        narrowest = sum(_narrowest(c, rows) for c in essentials) + 2 * (len(essentials) - 1)
        check_table(output, rows, columns, width=max(width, narrowest), terminal=terminal)
        if terminal:  # wrapped free text is all there, in order, across its lines
            text = "".join(ANSI.sub("", output).split())
            hidden = _hidden(ANSI.sub("", output))
            for column in columns:
                if column.wrap and column.title not in hidden:
                    for row in rows:
                        rest = iter(text[text.index(row["c0"]):])
                        assert all(ch in rest for ch in "".join(row[column.key].split()))


def test_fit_drops_empty_columns_then_the_least_important() -> None:
    def columns(name_priority: int) -> list[Column]:
        return [Column("id", kind="id", priority=ESSENTIAL),
                Column("name", kind="text", priority=name_priority),
                Column("empty", kind="number", priority=1),
                Column("a", kind="number", priority=2), Column("b", kind="number", priority=5)]

    cells = [["i1", "Morning Run", "", "12.5", "1234567890"]]
    wide = fit(columns(3), cells, 80)
    assert [c for c, _ in wide.shown] == [0, 1, 3, 4]  # the empty column is dropped
    narrow = fit(columns(3), cells, 2 + 2 + 8 + 2 + 4)
    assert [c for c, _ in narrow.shown] == [0, 1, 3]
    assert narrow.hidden == [4]
    assert dict(narrow.shown)[1] == 8  # the name is shortened to its readable minimum
    # a name that matters more than "a" gets its room: "a" is hidden instead
    named = fit(columns(1), cells, 2 + 2 + 8 + 2 + 4)
    assert [c for c, _ in named.shown] == [0, 1]
    assert dict(named.shown)[1] == len("Morning Run")


def test_a_sparkline_is_hidden_by_its_priority_and_never_piped() -> None:
    columns = [Column("id", kind="id", priority=ESSENTIAL),
               Column("name", kind="text", priority=3),
               Column("trend", kind="spark", priority=1),
               Column("load", kind="number", priority=5)]
    cells = [["i1", "Morning Run", "▁▃▅█▇", "120"]]
    assert [c for c, _ in fit(columns, cells, 80).shown] == [0, 1, 2, 3]
    # one cell short of everything: "load" matters less than the trend the command ranks high
    everything = 2 + 2 + len("Morning Run") + 2 + 5 + 2 + 4
    assert fit(columns, cells, everything - 1).hidden == [3]
    # among columns of the same priority the picture goes first: its numbers are the record's
    same = [*columns[:2], Column("trend", kind="spark", priority=5), columns[3]]
    assert fit(same, cells, everything - 1).hidden == [2]
    # a name shortened below what reads well gets room from a column of lower priority
    assert fit(same, cells, 2 + 2 + 8 + 2 + 5 + 2 + 4).hidden == [2]
    # even an ESSENTIAL sparkline is a picture: hidden rather than run past the edge
    essential = [columns[0], Column("trend", kind="spark", priority=ESSENTIAL)]
    assert fit(essential, [["i1", "▁▃▅█▇"]], 4).hidden == [1]
    assert plain_table(columns, cells).splitlines() == ["id  name         load",
                                                        "i1  Morning Run   120"]


def test_csv_leaves_sparklines_out(capsys: pytest.CaptureFixture[str]) -> None:
    columns = [Column("id", kind="id", priority=ESSENTIAL),
               Column("trend", kind="spark", shown=lambda v: "▁█"),
               Column("n", kind="number")]
    Out(as_csv=True).rows([{"id": "i1", "trend": [1, 2], "n": 3}], columns)
    assert capsys.readouterr().out.splitlines() == ["id,n", "i1,3"]


def test_plain_table_keeps_every_value_on_one_line() -> None:
    columns = [Column("id"), Column("note"), Column("n", kind="number")]
    text = plain_table(columns, [["i1", "two\nlines", "3"], ["i22", "", "14"]])
    assert text.splitlines() == ["id   note        n", "i1   two lines   3", "i22             14"]


def test_sync_progress_rows_and_summary_fit_80_columns(icu: Icu, live: Sandbox, home: Path,
                                                       screen: Any) -> None:
    from intervals_icu.cli.sync import REPORT_COLUMNS

    screen(80, True)
    run = icu("sync", "--db", str(home / "m.db"))
    assert run.exit_code == 0, run.stderr
    progress = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", run.stderr)
    rows = [line for line in progress.splitlines() if line.startswith(live.athlete_id)]
    assert rows
    assert all(cell_width(line.rstrip()) <= 80 for line in rows), rows  # one line each
    assert any(re.search(r" (\d+)/\1 ", line) for line in rows)  # counts whole
    report = icu("sync", "--db", str(home / "m.db"), "--json").json()
    table_rows = [{"athlete": a["athlete_id"], "name": a.get("name"), "kind": name, **s}
                  for a in report["athletes"] for name, s in a["kinds"].items()]
    for width, terminal in MODES:
        screen(width, terminal)
        again = icu("sync", "--db", str(home / "m.db"))
        assert again.exit_code == 0, again.stderr
        check_table(again.stdout, table_rows, [c for c in REPORT_COLUMNS if c.key != "error"],
                    width=width, terminal=terminal, key_columns=2)
