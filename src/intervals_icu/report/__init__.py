"""Pictures from the mirror: a self-contained HTML report (one athlete or a coach's roster),
its charts as PNGs, and terminal charts.

    from intervals_icu.report import PeriodRequest, build_report

    report = build_report("sqlite:///icu.db", period=PeriodRequest(days=90))
    report.write("report.html")          # one file, works offline
    report.write_pngs("charts/")         # every chart as a PNG

See docs/report.md. Reading is read-only, through the tables docs/schema.md documents.
"""

from intervals_icu.report.build import AthleteSection, Report, build_report
from intervals_icu.report.period import Period, PeriodRequest
from intervals_icu.report.source import MirrorUnavailable, NotMirrored
from intervals_icu.report.sparkline import sparkline
from intervals_icu.report.vega import ChartingUnavailable

__all__ = [
    "AthleteSection",
    "ChartingUnavailable",
    "MirrorUnavailable",
    "NotMirrored",
    "Period",
    "PeriodRequest",
    "Report",
    "build_report",
    "sparkline",
]
