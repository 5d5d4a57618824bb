"""The report as one self-contained HTML page: styles, the chart library and every chart's
data inline, no external URL. Charts of a roster's athletes are drawn when their section is
opened, so a large roster's page opens quickly."""

from __future__ import annotations

import json
import math
from html import escape
from typing import TYPE_CHECKING, Any

from intervals_icu.report.sparkline import sparkline

if TYPE_CHECKING:
    from intervals_icu.report.build import AthleteSection, Report
    from intervals_icu.report.charts import Chart

__all__ = ["render_page"]

_CSS = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6477; --line: #dde2ea; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; }
header.page { background: #1d2330; color: #fff; padding: 18px 28px; }
header.page h1 { margin: 0 0 4px; font-size: 22px; }
header.page p { margin: 0; color: #c9cfdb; font-size: 13px; }
main { max-width: 1000px; margin: 0 auto; padding: 12px 20px 40px; }
section.athlete-body, .roster { background: #fff; border: 1px solid var(--line);
       border-radius: 8px; padding: 14px 18px; margin: 14px 0; }
h2 { font-size: 18px; margin: 6px 0 10px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 4px; padding: 0;
        list-style: none; }
.kpis li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px;
           min-width: 92px; }
.kpis b { display: block; font-size: 18px; }
.kpis span { color: var(--muted); font-size: 12px; }
figure.chart { margin: 10px 0 22px; }
figure.chart .view { min-height: 40px; overflow-x: auto; }
figcaption { color: var(--muted); font-size: 12.5px; max-width: 900px; }
figcaption code { font-size: 12px; }
.empty { border: 1px dashed var(--line); color: var(--muted); padding: 18px;
         border-radius: 6px; background: #fafbfc; }
.scroll { overflow-x: auto; }
table.roster-table { border-collapse: collapse; width: 100%; font-size: 13px; }
table.roster-table th, table.roster-table td { border-bottom: 1px solid var(--line);
         padding: 5px 6px; text-align: right; white-space: nowrap; }
table.roster-table th:first-child, table.roster-table td:first-child { text-align: left; }
table.roster-table th button { font: inherit; font-weight: 600; border: 0;
         background: none; cursor: pointer; padding: 0; color: var(--ink); }
table.roster-table th[aria-sort=ascending] button::after { content: " ▲"; }
table.roster-table th[aria-sort=descending] button::after { content: " ▼"; }
td.spark { font-family: ui-monospace, monospace; letter-spacing: -1px; color: #e67e22; }
td.bad { color: #c0392b; } td.good { color: #1e8449; }
details.athlete { background: #fff; border: 1px solid var(--line); border-radius: 8px;
         margin: 10px 0; }
details.athlete > summary { padding: 10px 16px; cursor: pointer; font-weight: 600; }
details.athlete > section.athlete-body { border: 0; margin: 0; padding-top: 0; }
#vg-tooltip-element table td { text-align: left; }
"""

_SCRIPT = """
(function () {
  const specs = JSON.parse(document.getElementById('icu-specs').textContent);
  const report = window.icuReport = {views: {}, specs: specs, errors: [], ready: null};
  function render(figure) {
    if (figure.dataset.state) { return report.views[figure.id] ? Promise.resolve() : null; }
    figure.dataset.state = 'rendering';
    const target = figure.querySelector('.view');
    return vegaEmbed(target, specs[figure.id],
                     {renderer: 'svg', actions: false, tooltip: {theme: 'light'}})
      .then(function (result) {
        report.views[figure.id] = result.view;
        figure.dataset.state = 'rendered';
      })
      .catch(function (error) {
        figure.dataset.state = 'failed';
        report.errors.push(figure.id + ': ' + error);
        target.textContent = 'This chart could not be drawn: ' + error;
      });
  }
  report.render = render;
  const first = [];
  document.querySelectorAll('figure.chart[data-spec]').forEach(function (figure) {
    const closed = figure.closest('details:not([open])');
    if (!closed) { first.push(render(figure)); }
  });
  document.querySelectorAll('details.athlete').forEach(function (details) {
    details.addEventListener('toggle', function () {
      if (!details.open) { return; }
      details.querySelectorAll('figure.chart[data-spec]').forEach(render);
    });
  });
  report.ready = Promise.all(first);
  report.openAthlete = function (id) {
    const details = document.getElementById('athlete-' + id);
    details.open = true;
    const figures = details.querySelectorAll('figure.chart[data-spec]');
    return Promise.all(Array.from(figures, render));
  };

  document.querySelectorAll('table.roster-table').forEach(function (table) {
    const heads = table.querySelectorAll('th');
    heads.forEach(function (th, column) {
      th.querySelector('button').addEventListener('click', function () {
        const ascending = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const key = function (row) {
          const raw = row.cells[column].dataset.value;
          if (raw === undefined || raw === '') { return null; }
          const number = Number(raw);
          return Number.isNaN(number) ? raw.toLowerCase() : number;
        };
        rows.sort(function (a, b) {
          const x = key(a), y = key(b);
          if (x === null && y === null) { return 0; }
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          const order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""


def _finite(value: Any) -> Any:
    """NaN and infinities become null (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _json_for_script(value: Any) -> str:
    """JSON that cannot close the <script> element it sits in."""
    return (json.dumps(_finite(value), separators=(",", ":"), allow_nan=False, default=str)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _figure(figure_id: str, chart: Chart) -> str:
    caption = escape(chart.caption)
    if chart.spec is None:
        return (f'<figure class="chart" id="{escape(figure_id)}" data-empty="1">'
                f'<h3>{escape(chart.title)}</h3>'
                f'<div class="empty">{escape(chart.empty or "nothing to draw")}</div>'
                f"<figcaption>{caption}</figcaption></figure>")
    return (f'<figure class="chart" id="{escape(figure_id)}" data-spec="1">'
            f'<h3>{escape(chart.title)}</h3><div class="view" role="img" '
            f'aria-label="{escape(chart.title)}"></div>'
            f"<figcaption>{caption}</figcaption></figure>")


def _kpis(section: AthleteSection) -> str:
    row, figures = section.roster, section.figures
    items = [
        (_number(row.fitness), "fitness"), (_number(row.fatigue), "fatigue"),
        (_number(row.form), "form"), (_number(row.ramp), "ramp rate"),
        (str(figures["activities"]), "activities"), (f"{figures['hours']:.1f}", "hours"),
        (f"{figures['km']:.0f}", "km"), (f"{figures['load']:,}", "load"),
    ]
    cells = "".join(f'<li><b>{escape(v)}</b><span>{escape(k)}</span></li>' for v, k in items)
    on = f"fitness on {row.day}" if row.day else "no fitness numbers yet"
    last = (f"; last activity {row.last_activity} ({row.last_activity_age} days ago)"
            if row.last_activity else "")
    return f'<ul class="kpis">{cells}</ul><p class="note">{escape(on + last)}</p>'


def _section(section: AthleteSection) -> str:
    athlete = section.athlete
    period = section.period
    heading = (f"<h2>{escape(athlete.label)}</h2><p>{escape(str(period.first))} to "
               f"{escape(str(period.last))} ({period.days} days, the athlete's local days; "
               f"today there is {escape(str(section.today))})</p>")
    figures = "".join(_figure(f"{athlete.athlete_id}-{c.key}", c) for c in section.charts)
    return f'<section class="athlete-body">{heading}{_kpis(section)}{figures}</section>'


_ROSTER_COLUMNS = ("athlete", "fitness", "fatigue", "form", "form trend", "ramp rate",
                   "load 7 d", "load trend", "last activity", "days since")


def _roster_table(report: Report) -> str:
    heads = "".join(f'<th scope="col"><button type="button">{escape(c)}</button></th>'
                    for c in _ROSTER_COLUMNS)
    rows = []
    for section in report.sections:
        r = section.roster

        def cell(text: str, value: Any, css: str = "") -> str:
            shown = "" if value is None else escape(str(value))
            klass = f' class="{css}"' if css else ""
            return f'<td{klass} data-value="{shown}">{escape(text)}</td>'

        form_css = "" if r.form is None else ("bad" if r.form < -30 else
                                              "good" if r.form > -10 else "")
        trend = None if r.load_trend is None else round(r.load_trend)
        rows.append(
            f'<tr data-athlete="{escape(r.athlete_id)}">'
            + cell(section.athlete.label, section.athlete.label.lower())
            + cell(_number(r.fitness), r.fitness) + cell(_number(r.fatigue), r.fatigue)
            + cell(_number(r.form), r.form, form_css)
            + cell(sparkline(r.form_series, width=20), r.form, "spark")
            + cell(_number(r.ramp), r.ramp) + cell(str(r.load_7d), r.load_7d)
            + cell("–" if trend is None else f"{trend:+d}%", trend)
            + cell(str(r.last_activity or "–"),
                   r.last_activity.isoformat() if r.last_activity else None)
            + cell("–" if r.last_activity_age is None else str(r.last_activity_age),
                   r.last_activity_age)
            + "</tr>")
    caption = ("One row per athlete in the mirror: fitness, fatigue and form (fitness − "
               "fatigue) and ramp rate on the last wellness day of the period (wellness "
               "records); form trend: form over the period; load 7 d: the activities' "
               "icu_training_load of the last 7 days; load trend: those 7 days against the "
               "weekly mean of the 28 days before; last activity and the days since (the "
               "activities table, to the athlete's today). Click a heading to sort.")
    return (f'<section class="roster"><h2>Roster</h2><div class="scroll">'
            f'<table class="roster-table">'
            f"<thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f"<figcaption>{escape(caption)}</figcaption></section>")


def render_page(report: Report) -> str:
    from intervals_icu.report.vega import javascript_bundle

    specs = {figure_id: chart.spec for figure_id, chart in report.all_charts()
             if chart.spec is not None}
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    subtitle = (f"{report.request.describe()}; made {generated} from the mirror at "
                f"{report.source} (read-only)")
    if report.roster:
        body = _roster_table(report)
        if report.roster_chart is not None:
            body += f'<section class="roster">{_figure("roster-chart", report.roster_chart)}' \
                    "</section>"
        body += "".join(
            f'<details class="athlete" id="athlete-{escape(s.athlete.athlete_id)}">'
            f"<summary>{escape(s.athlete.label)}</summary>{_section(s)}</details>"
            for s in report.sections)
    else:
        body = _section(report.sections[0])
    bundle = javascript_bundle().replace("</script", "<\\/script")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # Nothing may leave the file: scripts and styles are inline, images are data: URLs.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:\">"
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body>"
        f'<header class="page"><h1>{escape(report.title)}</h1><p>{escape(subtitle)}</p>'
        f"</header><main>{body}</main>"
        f'<script type="application/json" id="icu-specs">{_json_for_script(specs)}</script>'
        f"<script>{bundle}</script><script>{_SCRIPT}</script></body></html>\n")
