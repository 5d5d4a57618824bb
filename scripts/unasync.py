#!/usr/bin/env python3
"""Generate the sync client (``src/intervals_icu/_sync``) from the async one (``_async``),
and the sync undo of the journal (``journal/undo.py``) from ``journal/undo_async.py``.

The async code is the single hand-written source, so the two surfaces cannot drift (the
habit of encode/httpcore). Run after editing anything under ``_async``::

    python scripts/unasync.py          # regenerate
    python scripts/unasync.py --check  # exit 1 if _sync is stale (the test suite runs this)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src/intervals_icu/_async"
TARGET = ROOT / "src/intervals_icu/_sync"
SINGLE_FILES = [
    # (async source, generated sync file), outside the client's directories
    (ROOT / "src/intervals_icu/journal/undo_async.py", ROOT / "src/intervals_icu/journal/undo.py"),
]

# Order matters: longer, more specific patterns first.
SUBSTITUTIONS: list[tuple[str, str]] = [
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\baiter_lines\b", "iter_lines"),
    (r"\baread\b", "read"),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsyncGenerator\b", "Generator"),
    (r"\bAsyncHTTP\b", "SyncHTTP"),
    (r"\bto_async_hook\b", "to_sync_hook"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"\bAsync([A-Z]\w*)", r"\1"),
    (r"\b_async\b", "_sync"),
    (r"\basync\b(?= client| twin| surface)", "sync"),
]


def unasync_text(text: str, relative: str, *, source_dir: str = "src/intervals_icu/_async") -> (
    str
):
    for pattern, replacement in SUBSTITUTIONS:
        text = re.sub(pattern, replacement, text)
    text = text.replace("This file is the async source of ``undo.py`` (scripts/unasync.py); "
                        "edit it, not that one.", "Generated from undo_async.py.")
    header = (
        f"# Generated from {source_dir}/{relative} by scripts/unasync.py.\n"
        "# DO NOT EDIT: change the async source and regenerate.\n"
    )
    return header + text


def expected_files() -> dict[Path, str]:
    out: dict[Path, str] = {}
    for source in sorted(SOURCE.rglob("*.py")):
        relative = source.relative_to(SOURCE)
        out[TARGET / relative] = unasync_text(source.read_text(), relative.as_posix())
    for source, target in SINGLE_FILES:
        out[target] = unasync_text(source.read_text(), source.name,
                                   source_dir=source.parent.relative_to(ROOT).as_posix())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if _sync is stale")
    args = parser.parse_args()
    expected = expected_files()
    existing = set(TARGET.rglob("*.py")) if TARGET.exists() else set()
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text() != text]
    extra = sorted(existing - set(expected))
    if args.check:
        for path in [*stale, *extra]:
            print(f"stale: {path.relative_to(ROOT)} (run scripts/unasync.py)")
        return 1 if stale or extra else 0
    for path in extra:
        path.unlink()
    for path, text in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(expected)} files under {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
