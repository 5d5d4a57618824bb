"""The mirror: a SQLite or PostgreSQL copy of Intervals.icu data that stays correct.

    from intervals_icu import Client
    from intervals_icu.mirror import Mirror

    mirror = Mirror(Client(), "sqlite:///icu.db")
    report = mirror.sync()                                # incremental
    mirror.sync(roster=True, streams=True, deep=True)     # a coach's roster, streams, recheck

See docs/mirror.md (recipes, change detection, guarantees) and docs/schema.md (tables).
"""

from intervals_icu.mirror.engine import Mirror
from intervals_icu.mirror.planner import MirrorSettings
from intervals_icu.mirror.report import (
    AthleteReport,
    KindReport,
    Progress,
    StreamReport,
    SyncReport,
)
from intervals_icu.mirror.store import (
    AccessStatus,
    Store,
    SyncPosition,
    WriteCounts,
    default_database_url,
)

__all__ = [
    "AccessStatus",
    "AthleteReport",
    "KindReport",
    "Mirror",
    "MirrorSettings",
    "Progress",
    "Store",
    "StreamReport",
    "SyncPosition",
    "SyncReport",
    "WriteCounts",
    "default_database_url",
]
