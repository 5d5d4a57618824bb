"""Run one sync in its own process (the kill -9 test SIGKILLs it mid-run).

    python -m tests.mirror.sync_child BASE_URL DB_URL [PAGE_SIZE]   (API key on stdin)
"""

from __future__ import annotations

import sys

from intervals_icu import ApiKey, Client
from intervals_icu.mirror import Mirror, MirrorSettings
from tests.clock import pin_from_environment


def main() -> None:
    pin_from_environment()  # the parent test's clock
    base_url, database = sys.argv[1], sys.argv[2]
    settings = MirrorSettings(page_size=int(sys.argv[3])) if len(sys.argv) > 3 else None
    key = sys.stdin.readline().strip()
    with Client(ApiKey(key), base_url=base_url) as client:
        mirror = Mirror(client, database, settings=settings)
        mirror.sync(streams=True)
        mirror.close()


if __name__ == "__main__":
    main()
