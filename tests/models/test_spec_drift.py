"""The drift check finds what a new spec adds, removes and retypes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from intervals_icu.spec import official_spec
from intervals_icu.spec.drift import diff_specs

ROOT = Path(__file__).resolve().parents[2]


def test_identical_specs_have_no_drift() -> None:
    assert not diff_specs(official_spec(), official_spec()).changed


def test_additions_removals_and_type_changes_are_reported(tmp_path: Path) -> None:
    new = official_spec()
    new["paths"]["/api/v1/athlete/{id}/laps"] = {"get": {"operationId": "listLaps"}}
    del new["paths"]["/api/v1/pace_distances"]
    activity = new["components"]["schemas"]["Activity"]["properties"]
    activity["updated"] = {"type": "string", "format": "date-time"}
    del activity["icu_lap_count"]
    activity["distance"] = {"type": "string"}
    diff = diff_specs(official_spec(), new)
    assert diff.added_operations == ["GET /api/v1/athlete/{id}/laps (listLaps)"]
    assert diff.removed_operations == ["GET /api/v1/pace_distances (listPaceDistances)"]
    assert "Activity.updated" in diff.added_fields
    assert "Activity.icu_lap_count" in diff.removed_fields
    assert "Activity.distance: number(float) -> string" in diff.changed_fields
    assert diff.breaking
    path = tmp_path / "new.json"
    path.write_text(json.dumps(new))
    result = subprocess.run([sys.executable, str(ROOT / "scripts/check_spec_drift.py"),
                             str(path)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "listLaps" in result.stdout
    assert "BREAKING" in result.stdout
