"""The pinned "today" every test runs on.

Tests must pass on any day, so the whole test process (the sandbox, the client, the CLI and
their threads) runs on one travelled clock: ``time-machine`` moves ``datetime.now``,
``date.today`` and ``time.time`` to ``ICU_TEST_NOW`` (default ``DEFAULT_NOW``) and lets time
tick from there. ``.ci/run`` runs the date-sensitive tests again at a leap day, a
daylight-saving change day and New Year's Eve by setting ``ICU_TEST_NOW``.

18:00 UTC is at least four hours from midnight in every seeded athlete's zone (Denver to
Auckland), so minutes of test run never cross a local day boundary mid-test.

Child processes (the CLI or a sync run as a subprocess) inherit the parent's travelled moment
through ``child_env()`` and call ``pin_from_environment()`` first thing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

ROOT = Path(__file__).resolve().parent.parent
ENV = "ICU_TEST_NOW"
DEFAULT_NOW = "2026-06-10T18:00:00+00:00"

_traveller: time_machine.travel | None = None
_paused: tuple[datetime, float] | None = None


def pinned_moment() -> datetime:
    """The moment the test session starts at (aware, UTC)."""
    text = os.environ.get(ENV) or DEFAULT_NOW
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{ENV}={text!r} needs a UTC offset, e.g. 2028-02-29T18:00:00+00:00")
    return moment.astimezone(UTC)


def pin(moment: datetime | None = None) -> None:
    """Travel this process to ``moment`` (default: the pinned moment), ticking from there."""
    global _traveller
    unpin()
    _traveller = time_machine.travel(moment or pinned_moment(), tick=True)
    _traveller.start()


def unpin() -> None:
    """Back to the real clock (``resume()`` continues the pinned one where it was)."""
    global _traveller, _paused
    if _traveller is not None:
        _paused = (datetime.now(UTC), time.monotonic())
        _traveller.stop()
        _traveller = None


def resume() -> None:
    """Pin again, at the moment ``unpin()`` left plus the time spent on the real clock, so
    time never runs backwards for a session-wide sandbox."""
    if _paused is None:
        pin()
        return
    moment, at = _paused
    pin(moment + timedelta(seconds=time.monotonic() - at))


def pinned() -> bool:
    return _traveller is not None


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for a child process that continues this process's travelled clock."""
    result = dict(os.environ if env is None else env)
    # `import tests.clock` must work in the child, wherever it runs
    result["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), result.get("PYTHONPATH")]))
    if pinned():
        result[ENV] = datetime.now(UTC).isoformat()
    return result


def pin_from_environment() -> None:
    """In a child process: travel to the moment the parent passed, if it passed one."""
    if os.environ.get(ENV):
        pin()


# The command line of a child `icu` that runs on the parent's clock (use with child_env()).
CHILD_ICU = ("import tests.clock as clock; clock.pin_from_environment(); "
             "from intervals_icu.cli import main; raise SystemExit(main())")


@contextmanager
def machine_timezone(name: str) -> Iterator[None]:
    """This process's local time zone is ``name`` (``TZ``) inside the block; what it was
    after."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
