"""A fleet worker in its own process (the SIGKILL test kills it mid-sync).

    python -m tests.fleet.worker_child DB_URL SCHEMA BASE_URL LEASE_SECONDS
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from tests.clock import pin_from_environment


def main() -> None:
    pin_from_environment()  # the parent test's clock
    from intervals_icu import RateLimit
    from intervals_icu.fleet import Fleet, Pacing

    database, schema, base_url, lease = sys.argv[1:5]

    async def work() -> None:
        fleet = Fleet(database, schema=schema, base_url=base_url,
                      rate_limit=RateLimit.unlimited(), pacing=Pacing(first_syncs_per_worker=3))
        worker = fleet.worker(worker_id="doomed", concurrency=3,
                              lease=timedelta(seconds=float(lease)), poll_interval=0.05)
        await worker.run()

    asyncio.run(work())


if __name__ == "__main__":
    main()
