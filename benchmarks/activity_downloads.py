#!/usr/bin/env python3
"""Activity download figures against a live sandbox (one run, same machine).

    /work/venv/bin/python benchmarks/activity_downloads.py [megabytes]

Uploads an activity whose original file is about ``megabytes`` MB (default 32) of poorly
compressible text, then downloads it with ``client.activities.download_file`` to a path and to
an open file, printing the bytes written, the throughput and the peak Python memory traced
during each download (client and in-process server together). The goal: the peak stays a
small, constant amount, whatever the file size. For contrast it prints the peak of reading the
same body into memory in one piece.
"""

from __future__ import annotations

import base64
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from intervals_icu.sandbox import Sandbox


def big_gpx(megabytes: float) -> bytes:
    start = datetime(2025, 5, 4, 7, 0, tzinfo=UTC)
    noise = base64.b64encode(random.Random(1).randbytes(int(megabytes * 750_000))).decode()
    points = "".join(
        f'<trkpt lat="52.37" lon="{4.89 + i / 10000:.5f}"><time>'
        f'{(start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>'
        for i in range(600))
    return ('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<metadata><desc>{noise}</desc></metadata>"
            f"<trk><type>running</type><trkseg>{points}</trkseg></trk></gpx>").encode()


def measure(label: str, action: Callable[[], Any]) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    written = action()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<28} {written / 1e6:8.1f} MB  {written / 1e6 / elapsed:7.1f} MB/s  "
          f"peak {peak / 1e6:7.2f} MB")


def main() -> None:
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 32.0
    content = big_gpx(megabytes)
    with Sandbox(seed=3, athletes=1, years=0.1) as sb, sb.client() as client, \
            tempfile.TemporaryDirectory() as tmp:
        activity_id = client.activities.upload(content, filename="big.gpx").activity_ids[0]
        print(f"original file: {len(content) / 1e6:.1f} MB (served gzip-compressed)")
        measure("download_file -> path",
                lambda: client.activities.download_file(activity_id, Path(tmp) / "a.gz")
                .bytes_written)

        def to_handle() -> int:
            with (Path(tmp) / "b.gz").open("wb") as handle:
                return client.activities.download_file(activity_id, handle).bytes_written

        measure("download_file -> file object", to_handle)
        from intervals_icu._http import RequestSpec

        spec = RequestSpec("GET", f"/api/v1/activity/{activity_id}/file",
                           operation_id="downloadActivityFile")
        measure("whole body in memory", lambda: len(client._request_bytes(spec)))


if __name__ == "__main__":
    main()
