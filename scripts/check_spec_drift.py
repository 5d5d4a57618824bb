#!/usr/bin/env python3
"""Compare a newly published spec with the packaged one.

    curl -s https://intervals.icu/api/v1/docs > new.json
    python scripts/check_spec_drift.py new.json

Prints added/removed operations, schemas and fields; exits 1 when anything changed (then copy the
new file to src/intervals_icu/spec/, run scripts/generate_models.py, and review the errata).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from intervals_icu.spec import official_spec
from intervals_icu.spec.drift import diff_specs


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    new = json.loads(Path(argv[0]).read_text())
    diff = diff_specs(official_spec(), new)
    print(diff.report())
    if diff.breaking:
        print("\nBREAKING: something the client uses was removed or changed type")
    return 1 if diff.changed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
