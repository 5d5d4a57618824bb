"""The report in a real headless Chromium: every chart draws with data, the numbers it shows
for days picked by property equal the mirror's, nothing is requested outside the file, the
roster table sorts. A screenshot of each page is kept (docs/report.md names where)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from intervals_icu.report import build_report
from intervals_icu.report.vega import javascript_bundle
from tests.browser import SCREENSHOTS
from tests.report.conftest import Mirrored

LOCATE = """([figure, day, panel, dy]) => {
  const view = icuReport.views[figure];
  const svg = document.querySelector('#' + figure + ' svg').getBoundingClientRect();
  const [ox, oy] = view.origin();
  const pad = view.padding();
  let top = 0;
  if (panel !== null) {
    (function walk(item) {
      if (!item) { return; }
      if (item.mark && item.mark.name === panel && item.mark.marktype === 'group') {
        top = item.y;
      }
      (item.items || []).forEach(walk);
    })(view.scenegraph().root);
  }
  const x = view.scale('x');
  const t = Date.parse(day);
  return [svg.left + pad.left + ox + (x(t) + x(t + 864e5)) / 2, svg.top + pad.top + oy + top + dy];
}"""
URL = re.compile(r"https?://[^\s\"'<>)]+")
TOOLTIP = """() => Array.from(document.querySelectorAll('#vg-tooltip-element.visible tr'),
                              tr => [tr.cells[0].innerText.trim(), tr.cells[1].innerText.trim()])"""


class Page:
    def __init__(self, browser: Any, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.evaluate("window.icuReport.ready")

    def hover(self, figure: str, day: date, *, panel: str | None = None,
              dy: float = 40) -> dict[str, str]:
        self.page.locator(f"#{figure}").scroll_into_view_if_needed()
        x, y = self.page.evaluate(LOCATE, [figure, day.isoformat(), panel, dy])
        self.page.mouse.move(x - 40, y)
        self.page.mouse.move(x, y)
        self.page.wait_for_function(
            "(day) => { const e = document.querySelector('#vg-tooltip-element.visible');"
            " return e && e.innerText.includes(day); }", arg=day.isoformat(), timeout=5000)
        return dict(self.page.evaluate(TOOLTIP))

    def drawn_marks(self, figure: str) -> int:
        """Marks drawn from data in the figure's SVG (axes and legends not counted)."""
        return int(self.page.evaluate(
            "(f) => Array.from(document.querySelectorAll('#' + f + ' svg g.role-mark path'))"
            ".filter(p => (p.getAttribute('d') || '').length > 2).length", figure))

    def close(self) -> None:
        self.context.close()


def shown(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def _today(db: sqlite3.Connection, athlete_id: str) -> date:
    (zone,) = db.execute("SELECT timezone FROM athletes WHERE athlete_id = ?",
                         (athlete_id,)).fetchone()
    return datetime.now(ZoneInfo(zone)).date()


@pytest.fixture(scope="module")
def athlete_page(mirrored: Mirrored, browser: Any,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, Any]]:
    report = build_report(mirrored.url, athletes=[mirrored.with_streams], curve_cache=False)
    path = report.write(tmp_path_factory.mktemp("pages") / "athlete.html")
    page = Page(browser, path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOTS / "athlete.png"), full_page=True)
    yield page, report
    page.close()


@pytest.fixture(scope="module")
def roster_page(mirrored: Mirrored, browser: Any,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, Any]]:
    report = build_report(mirrored.url, roster=True, curve_cache=False)
    path = report.write(tmp_path_factory.mktemp("pages") / "roster.html")
    page = Page(browser, path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOTS / "roster.png"), full_page=True)
    yield page, report
    page.close()


def test_every_chart_draws_its_data(athlete_page: tuple[Page, Any]) -> None:
    page, report = athlete_page
    figures = [f for f, chart in report.all_charts() if chart.spec is not None]
    assert len(figures) == 6, [c.empty for _, c in report.all_charts()]
    for figure in figures:
        state = page.page.get_attribute(f"#{figure}", "data-state")
        assert state == "rendered", (figure, state, page.errors)
        assert page.drawn_marks(figure) >= 5, figure
        sizes = page.page.evaluate(
            "(f) => Object.keys(icuReport.specs[f].datasets).map("
            "name => icuReport.views[f].data(name).length)", figure)
        assert (sizes and min(sizes) > 0) or figure.endswith("fitness"), (figure, sizes)
        assert sum(sizes) > 0, figure
        caption = page.page.inner_text(f"#{figure} figcaption")
        assert "mirror" in caption, caption
    assert page.errors == []


def test_nothing_is_requested_outside_the_file(athlete_page: tuple[Page, Any],
                                               roster_page: tuple[Page, Any]) -> None:
    for page, _ in (athlete_page, roster_page):
        page.page.evaluate("window.icuReport.openAthlete && document.querySelector("
                           "'details.athlete') ? window.icuReport.openAthlete(document"
                           ".querySelector('details.athlete').id.slice(8)) : null")
        outside = [u for u in page.requests if u != page.url
                   and not u.startswith(("data:", "blob:"))]
        assert outside == []
        html = Path(page.url.removeprefix("file://")).read_text()
        assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", html)
        # The only URLs in the file are inert strings inside the charting library itself
        # (XML namespaces, links in its error messages), none added by the report.
        bundle = javascript_bundle()
        assert set(URL.findall(html)) <= set(URL.findall(bundle))


def test_fitness_numbers_on_picked_days_equal_the_mirror(
        athlete_page: tuple[Page, Any], mirrored: Mirrored) -> None:
    page, _ = athlete_page
    athlete = mirrored.with_streams
    db = sqlite3.connect(mirrored.path)
    today = _today(db, athlete)
    rows = db.execute(
        "SELECT day, ctl, atl, ramp_rate FROM wellness WHERE athlete_id = ? AND day >= ? AND "
        "day <= ? AND deleted_at IS NULL AND ctl IS NOT NULL",
        (athlete, (today - timedelta(days=89)).isoformat(), today.isoformat())).fetchall()
    fittest = max(rows, key=lambda r: (r[1], r[0]))
    most_tired = min(rows, key=lambda r: (r[1] - r[2], r[0]))
    for day, ctl, atl, ramp in {fittest, most_tired}:
        tip = page.hover(f"{athlete}-fitness", date.fromisoformat(day))
        assert tip["day"] == day
        assert shown(tip["fitness"]) == pytest.approx(ctl, abs=0.051)
        assert shown(tip["fatigue"]) == pytest.approx(atl, abs=0.051)
        assert shown(tip["form"]) == pytest.approx(ctl - atl, abs=0.051)
        assert shown(tip["ramp rate"]) == pytest.approx(ramp, abs=0.051)
        assert tip["from"] == "wellness record"


def test_wellness_numbers_on_picked_days_equal_the_mirror(
        athlete_page: tuple[Page, Any], mirrored: Mirrored) -> None:
    page, _ = athlete_page
    athlete = mirrored.with_streams
    db = sqlite3.connect(mirrored.path)
    today = _today(db, athlete)
    first = (today - timedelta(days=89)).isoformat()
    hrv = dict(db.execute("SELECT day, hrv FROM wellness WHERE athlete_id = ? AND hrv IS NOT "
                          "NULL AND deleted_at IS NULL", (athlete,)).fetchall())
    best = max((d for d in hrv if first <= d <= today.isoformat()), key=lambda d: (hrv[d], d))
    window = [hrv[d] for d in hrv
              if (date.fromisoformat(best) - date.fromisoformat(d)).days in range(7)]
    tip = page.hover(f"{athlete}-wellness", date.fromisoformat(best), panel="concat_0_group")
    assert shown(tip["HRV (rMSSD)"]) == pytest.approx(hrv[best], abs=0.051)
    assert shown(tip["7-day mean"]) == pytest.approx(sum(window) / len(window), abs=0.051)


def test_roster_table_matches_the_mirror_and_sorts(roster_page: tuple[Page, Any],
                                                   mirrored: Mirrored) -> None:
    page, _ = roster_page
    db = sqlite3.connect(mirrored.path)
    rows = page.page.query_selector_all("table.roster-table tbody tr")
    assert {r.get_attribute("data-athlete") for r in rows} == set(mirrored.athletes)
    for athlete in mirrored.athletes:
        today = _today(db, athlete)
        _day, ctl, atl = db.execute(
            "SELECT day, ctl, atl FROM wellness WHERE athlete_id = ? AND day <= ? AND ctl IS "
            "NOT NULL AND deleted_at IS NULL ORDER BY day DESC LIMIT 1",
            (athlete, today.isoformat())).fetchone()
        (last,) = db.execute("SELECT max(local_date) FROM activities WHERE athlete_id = ? "
                             "AND deleted_at IS NULL", (athlete,)).fetchone()
        cells = page.page.eval_on_selector_all(
            f"tr[data-athlete='{athlete}'] td", "tds => tds.map(td => td.innerText)")
        assert shown(cells[1]) == pytest.approx(ctl, abs=0.051)
        assert shown(cells[2]) == pytest.approx(atl, abs=0.051)
        assert shown(cells[3]) == pytest.approx(ctl - atl, abs=0.051)
        assert cells[8] == last
        assert int(cells[9]) == (today - date.fromisoformat(last)).days
    page.page.click("table.roster-table th:nth-child(4) button")
    forms = [shown(t) for t in page.page.eval_on_selector_all(
        "table.roster-table tbody td:nth-child(4)", "tds => tds.map(td => td.innerText)")]
    assert forms == sorted(forms)
    page.page.click("table.roster-table th:nth-child(4) button")
    forms = [shown(t) for t in page.page.eval_on_selector_all(
        "table.roster-table tbody td:nth-child(4)", "tds => tds.map(td => td.innerText)")]
    assert forms == sorted(forms, reverse=True)


def test_roster_charts_draw_when_an_athlete_is_opened(roster_page: tuple[Page, Any],
                                                      mirrored: Mirrored) -> None:
    page, _ = roster_page
    assert page.page.get_attribute("#roster-chart", "data-state") == "rendered"
    assert page.drawn_marks("roster-chart") >= len(mirrored.athletes)
    athlete = mirrored.athletes[-1]
    closed = page.page.get_attribute(f"#{athlete}-fitness", "data-state")
    assert closed is None  # not drawn until opened
    page.page.evaluate("(id) => window.icuReport.openAthlete(id)", athlete)
    assert page.page.get_attribute(f"#{athlete}-fitness", "data-state") == "rendered"
    assert page.drawn_marks(f"{athlete}-fitness") >= 5
    assert page.errors == []
