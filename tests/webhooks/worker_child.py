"""A worker in its own process whose handler never returns (the lease test SIGKILLs it).

    python -m tests.webhooks.worker_child DB_URL TABLE_PREFIX

Prints ``working <entry id>`` once the handler runs.
"""

from __future__ import annotations

import asyncio
import sys

from intervals_icu.webhooks import HandlerContext, WebhookEvent, WebhookReceiver
from tests.clock import pin_from_environment


def main() -> None:
    pin_from_environment()  # the parent test's clock
    database, prefix = sys.argv[1], sys.argv[2]
    receiver = WebhookReceiver(secrets="unused", inbox=database, table_prefix=prefix)

    @receiver.on(name="forever")
    async def forever(event: WebhookEvent, ctx: HandlerContext) -> None:
        print(f"working {ctx.entry.id}", flush=True)
        await asyncio.sleep(3600)

    asyncio.run(receiver.worker(worker_id="doomed", poll_interval=0.05).run_forever())


if __name__ == "__main__":
    main()
