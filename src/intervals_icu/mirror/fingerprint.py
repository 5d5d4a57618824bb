"""Fingerprints: how the mirror knows a record changed when the API has no ``updated``.

Activities carry no general ``updated`` timestamp and ``icu_sync_date`` does not move on edits
(API-NOTES §0.1), so an activity's summary is hashed instead: any edit visible in the summary
changes the hash. A second, narrower hash (the *detail* fingerprint) leaves out the fields an
athlete edits without touching the recording (name, description, tags, RPE, gear...) and the
fitness numbers that move when *other* activities change (``icu_ctl``/``icu_atl``): only
when it moves are intervals, streams and files fetched again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DETAIL_INDEPENDENT_FIELDS",
    "LOAD_FIELDS",
    "SCAN_FIELDS",
    "canonical_json",
    "changed_fields",
    "detail_fingerprint",
    "fingerprint",
    "scan_projection",
]

DETAIL_INDEPENDENT_FIELDS = frozenset({
    # labels an athlete edits; they never change the recording or its analysis
    "name", "description", "tags", "gear", "icu_rpe", "feel", "session_rpe", "commute",
    "race", "sub_type", "private", "group", "attachments", "external_id", "paired_event_id",
    "compliance", "workout_shift_secs", "icu_achievements", "icu_sync_date",
    # computed from the athlete's other activities (fitness on the day, rolling values)
    "icu_ctl", "icu_atl", "icu_rolling_ftp", "icu_rolling_ftp_delta", "icu_rolling_w_prime",
    "icu_rolling_p_max", "icu_pm_ftp", "icu_pm_cp", "icu_pm_w_prime", "icu_pm_p_max",
    "icu_pm_ftp_secs", "icu_pm_ftp_watts", "carbs_used",
    # the details themselves, when an activity was read with intervals=true
    "icu_intervals", "icu_groups",
})
"""Summary fields whose change does not mean intervals, streams or files may have changed."""


SCAN_FIELDS: tuple[str, ...] = (
    # identity and placement
    "id", "start_date_local", "type", "sub_type", "source", "external_id", "paired_event_id",
    # what athletes and coaches edit by hand
    "name", "description", "tags", "gear", "icu_rpe", "feel", "session_rpe", "commute",
    "race", "trainer", "kg_lifted", "perceived_exertion", "icu_ignore_time",
    "icu_ignore_power", "icu_ignore_hr", "icu_training_load", "icu_ftp", "lthr",
    # what moves when the recording is cropped, split or re-analysed
    "moving_time", "elapsed_time", "distance", "icu_intensity", "icu_intervals_edited",
    "interval_summary", "analyzed", "stream_types",
)
"""The light projection an incremental sync re-lists for the WHOLE history (``fields=``):
small enough to read every activity in a few requests, wide enough to notice any edit a
person makes. Full summaries are fetched only for the ids whose projection moved."""


LOAD_FIELDS = frozenset({"icu_training_load", "start_date_local", "type", "moving_time",
                         "elapsed_time"})
"""Scan fields whose change moves the athlete's fitness curve from that day on."""


def scan_projection(record: Mapping[str, Any]) -> dict[str, Any]:
    """The scan projection, as the API returns it with ``fields=`` (nulls dropped)."""
    return {k: record[k] for k in SCAN_FIELDS if record.get(k) is not None}


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, so equal records hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def fingerprint(record: Mapping[str, Any], *, ignore: frozenset[str] = frozenset()) -> str:
    """SHA-256 of the record's canonical JSON, leaving out ``ignore``d top-level keys."""
    kept = {k: v for k, v in record.items() if k not in ignore}
    return hashlib.sha256(canonical_json(kept).encode()).hexdigest()


def detail_fingerprint(activity: Mapping[str, Any]) -> str:
    """The hash that decides whether an activity's details must be fetched again."""
    return fingerprint(activity, ignore=DETAIL_INDEPENDENT_FIELDS)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Top-level keys whose value differs (a key present on one side only counts)."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if canonical_json(before.get(k)) != canonical_json(after.get(k)))
