"""Pictures from the mirror: a self-contained HTML report (one athlete or a coach's roster),
its charts as PNGs, and terminal charts.

    from intervals_icu.report import PeriodRequest, build_report

    report = build_report("sqlite:///icu.db", period=PeriodRequest(days=90))
    report.write("report.html")          # one file, works offline
    report.write_pngs("charts/")         # every chart as a PNG

See docs/report.md. Reading is read-only, through the tables docs/schema.md documents.

Names are imported when first used: a terminal table that only wants ``sparkline`` does not
pay for SQLAlchemy, numpy and the charts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOME = {"AthleteSection": "build", "Report": "build", "build_report": "build",
         "Period": "period", "PeriodRequest": "period", "MirrorUnavailable": "source",
         "NotMirrored": "source", "sparkline": "sparkline", "ChartingUnavailable": "vega"}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
