"""The curves a report draws come from the efforts the mirror stored with the streams
(``activity_curves``): equal to computing them afresh from the streams, used as stored, and
ignored once the streams they came from changed."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

from intervals_icu import efforts
from intervals_icu.mirror.fingerprint import fingerprint
from intervals_icu.report import build_report
from intervals_icu.report.curves import CurveCache, load_curves
from intervals_icu.report.source import MirrorSource
from tests.report.conftest import Mirrored


def _copy(mirrored: Mirrored, tmp_path: Path) -> tuple[str, sqlite3.Connection]:
    path = tmp_path / "copy.db"
    shutil.copyfile(mirrored.path, path)
    return f"sqlite:///{path}", sqlite3.connect(path)


def _streams(db: sqlite3.Connection, athlete_id: str, activity_id: str) -> dict[str, list]:
    return {kind: json.loads(zlib.decompress(blob)) for kind, blob in db.execute(
        "SELECT stream_type, data FROM streams WHERE athlete_id = ? AND activity_id = ? AND "
        "deleted_at IS NULL", (athlete_id, activity_id))
        if kind in efforts.STREAM_TYPES}


def _curves(url: str, athlete_id: str) -> dict[str, efforts.Curves]:
    with MirrorSource(url) as source:
        return load_curves(source, athlete_id, source.activities(athlete_id),
                           CurveCache(None))


def test_the_stored_curves_equal_the_freshly_computed_curves(mirrored: Mirrored,
                                                             tmp_path: Path) -> None:
    athlete = mirrored.with_streams
    db = sqlite3.connect(mirrored.path)
    stored = {aid: (key, json.loads(curves)) for aid, key, curves in db.execute(
        "SELECT activity_id, streams_key, curves FROM activity_curves WHERE athlete_id = ?",
        (athlete,))}
    with_streams = {aid for (aid,) in db.execute(
        "SELECT DISTINCT activity_id FROM streams WHERE athlete_id = ? AND deleted_at IS "
        "NULL AND stream_type IN ('time', 'watts', 'heartrate', 'distance')", (athlete,))}
    assert set(stored) == with_streams
    assert any("power" in c for _, c in stored.values())
    assert any("pace" in c for _, c in stored.values())
    for activity_id, (key, curves) in stored.items():
        assert curves == efforts.activity_curves(_streams(db, athlete, activity_id))
        assert key == efforts.streams_key(db.execute(
            "SELECT stream_type, fingerprint FROM streams WHERE athlete_id = ? AND "
            "activity_id = ? AND deleted_at IS NULL", (athlete, activity_id)).fetchall())
    # the whole report is the same with the stored curves as with curves computed afresh
    url, copy = _copy(mirrored, tmp_path)
    with copy:
        copy.execute("DELETE FROM activity_curves")
    with_stored = build_report(mirrored.url, athletes=[athlete], curve_cache=False)
    computed = build_report(url, athletes=[athlete], curve_cache=False)
    assert [c.spec for c in with_stored.sections[0].charts] == \
        [c.spec for c in computed.sections[0].charts]


def test_the_report_draws_the_stored_curve(mirrored: Mirrored, tmp_path: Path) -> None:
    """Stored curves are used as they are (the streams are not decoded again)."""
    athlete = mirrored.with_streams
    url, db = _copy(mirrored, tmp_path)
    activity_id, raw = db.execute(
        "SELECT activity_id, curves FROM activity_curves WHERE athlete_id = ? AND curves "
        "LIKE '%power%' LIMIT 1", (athlete,)).fetchone()
    curves = json.loads(raw)
    curves["power"]["1"] = 4321.0
    with db:
        db.execute("UPDATE activity_curves SET curves = ? WHERE athlete_id = ? AND "
                   "activity_id = ?", (json.dumps(curves), athlete, activity_id))
    assert _curves(url, athlete)[activity_id]["power"]["1"] == 4321.0


def test_an_edited_stream_makes_its_stored_curve_stale(mirrored: Mirrored,
                                                       tmp_path: Path) -> None:
    """A ride's watts changed in the mirror while its activity_curves row stayed (a writer
    that stores streams but not curves): the report computes the curve from the new
    streams instead of showing the stored one."""
    athlete = mirrored.with_streams
    url, db = _copy(mirrored, tmp_path)
    before = _curves(url, athlete)
    ride = max((aid for aid, c in before.items() if "power" in c),
               key=lambda aid: before[aid]["power"].get("60", 0))
    (blob,) = db.execute("SELECT data FROM streams WHERE athlete_id = ? AND activity_id = ? "
                         "AND stream_type = 'watts'", (athlete, ride)).fetchone()
    doubled = [None if w is None else w * 2 for w in json.loads(zlib.decompress(blob))]
    with db:
        db.execute("UPDATE streams SET data = ?, fingerprint = ? WHERE athlete_id = ? AND "
                   "activity_id = ? AND stream_type = 'watts'",
                   (zlib.compress(json.dumps(doubled).encode()),
                    fingerprint({"type": "watts", "data": doubled}), athlete, ride))
    after = _curves(url, athlete)
    assert after[ride] == efforts.activity_curves(_streams(db, athlete, ride))
    assert after[ride]["power"]["60"] == pytest.approx(2 * before[ride]["power"]["60"])
    assert {a: c for a, c in after.items() if a != ride} == \
        {a: c for a, c in before.items() if a != ride}
