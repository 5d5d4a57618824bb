"""Webhook delivery as the platform does it (API-NOTES §5): events are captured with their
payload at the moment of change, queued for every app that should see them, batched per app
into ``{"secret": ..., "events": [...]}`` and POSTed, with retries until a 2xx.

Who receives what is decided twice: when the event is emitted (the app subscribes to the type,
the athlete authorized the app, the granted scopes cover the type; activity events are never
sent for Strava activities) and again before every attempt (an athlete who disconnected the app
in the meantime gets nothing more). ``APP_SCOPE_CHANGED`` goes only to the app it is about, and
also after a disconnect, since it announces it.

Time: retries (``options.webhook_retry_schedule``) and the ``delay``/``reorder`` faults run on
the *sandbox clock*, so with a frozen clock they fire when the clock is advanced; the batch
window (``options.webhook_batch_window``) is real time. A background thread (started with a
live Sandbox) sends what is due; :meth:`WebhookDispatcher.flush` does it synchronously.
"""

from __future__ import annotations

import copy
import itertools
import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.state import OAuthAppRecord, SandboxState
from intervals_icu.sandbox.wire import json_bytes
from intervals_icu.scopes import Area

__all__ = [
    "EVENT_TYPES",
    "USER_AGENT",
    "DeliveryFault",
    "WebhookDispatcher",
]

logger = logging.getLogger("intervals_icu.sandbox.webhooks")

USER_AGENT = "Java-http-client/17.0.14"
"""What the platform's deliveries were observed to send (API-NOTES §5.1)."""

EVENT_TYPES: dict[str, Area | None] = {
    "APP_SCOPE_CHANGED": None,
    "CALENDAR_UPDATED": Area.CALENDAR,
    "CALENDAR_EVENT_UPDATED": Area.CALENDAR,
    "CALENDAR_EVENT_DELETED": Area.CALENDAR,
    "ACTIVITY_UPLOADED": Area.ACTIVITY,
    "ACTIVITY_ANALYZED": Area.ACTIVITY,
    "ACTIVITY_UPDATED": Area.ACTIVITY,
    "ACTIVITY_DELETED": Area.ACTIVITY,
    "ACTIVITY_ACHIEVEMENTS": Area.ACTIVITY,
    "WELLNESS_UPDATED": Area.WELLNESS,
    "FITNESS_UPDATED": Area.WELLNESS,
    "SPORT_SETTINGS_UPDATED": Area.SETTINGS,
    "CONNECTED_SERVICE": Area.SETTINGS,
    "CHAT_UPDATE": Area.CHATS,
}
"""Every type an app can subscribe to, with the scope area it needs (None: no scope)."""

_TICK = 0.01
_LOG_SIZE = 10_000

FaultKind = Literal["duplicate", "reorder", "delay", "drop"]
_FAULT_KINDS: tuple[str, ...] = ("duplicate", "reorder", "delay", "drop")


def check_event_types(types: Any) -> set[str]:
    """Validate a list of webhook types (for app registration)."""
    if isinstance(types, str) or not all(isinstance(t, str) for t in types):
        raise ValueError("webhook_types must be a list of type names, e.g. ['ACTIVITY_UPLOADED']")
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(
            f"unknown webhook type(s): {', '.join(unknown)}; known types: "
            f"{', '.join(EVENT_TYPES)}"
        )
    return set(types)


@dataclass
class DeliveryFault:
    """A fault applied to the next ``count`` deliveries (``drop``: attempts) of one app
    (``client_id``) or of every app (None).

    * ``duplicate``: the first attempt of a delivery is POSTed twice.
    * ``reorder``: ``count`` batches are held, then sent newest first (released early after
      ``seconds`` (default 2) on the sandbox clock if fewer arrive, or when faults are
      cleared).
    * ``delay``: each delivery is held ``seconds`` (sandbox clock) before its first attempt.
    * ``drop``: the attempt is not sent and counts as failed (so it is retried).
    """

    kind: FaultKind
    count: int = 1
    seconds: float = 0.0
    client_id: str | None = None
    id: int = 0
    held: list[Delivery] = field(default_factory=list, repr=False)
    release_at: datetime | None = None
    fired: int = 0
    """Deliveries (``drop``: attempts) the fault has disturbed so far."""

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError(
                f"unknown webhook fault {self.kind!r}; use one of {', '.join(_FAULT_KINDS)}"
            )
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"webhook fault count must be a whole number >= 1, not {self.count!r}")
        if not isinstance(self.seconds, (int, float)) or self.seconds < 0:
            raise ValueError(f"webhook fault seconds must be a number >= 0, not {self.seconds!r}")
        if self.kind == "reorder" and self.count < 2:
            raise ValueError("a reorder fault needs count >= 2 (the batches to send out of order)")
        if self.kind == "reorder" and not self.seconds:
            self.seconds = 2.0

    def applies_to(self, client_id: str) -> bool:
        return self.client_id is None or self.client_id == client_id

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "count": self.count, "seconds": self.seconds,
                "client_id": self.client_id, "holding": len(self.held), "fired": self.fired}


@dataclass
class Delivery:
    """One batch for one app, through all its attempts."""

    id: str
    client_id: str
    events: list[dict[str, Any]]
    due: datetime
    seq: int
    attempts: int = 0
    status: Literal["pending", "held", "delivered", "given_up", "cancelled"] = "pending"
    duplicate: bool = False
    faults: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {
            "delivery_id": self.id,
            "client_id": self.client_id,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": stamp(self.due) if self.status == "pending" else None,
            "event_types": [e.get("type") for e in self.events],
            "athlete_ids": sorted({str(e.get("athlete_id")) for e in self.events}),
            "faults": list(self.faults),
        }


class WebhookDispatcher:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.emitted: list[dict[str, Any]] = []
        """Every event emitted, whether or not any app receives it (handy in tests)."""
        self._lock = threading.Condition(threading.RLock())
        self._queues: dict[str, list[tuple[float, dict[str, Any]]]] = {}
        self._deliveries: list[Delivery] = []
        self._in_flight: set[str] = set()
        self._log: deque[dict[str, Any]] = deque(maxlen=_LOG_SIZE)
        self._faults: list[DeliveryFault] = []
        self._retired_faults: deque[DeliveryFault] = deque(maxlen=50)
        self._transports: dict[str, httpx.BaseTransport] = {}
        self._clients: dict[str, httpx.Client] = {}
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._attempt_no = itertools.count(1)
        self._fault_ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._executor: ThreadPoolExecutor | None = None

    # -- emitting ---------------------------------------------------------------------------

    def emit(self, athlete_id: str, event_type: str, data: dict[str, Any]) -> None:
        """Capture the event now (a deep copy: later changes do not alter it) and queue it."""
        event = {"athlete_id": athlete_id, "type": event_type,
                 "timestamp": self.state.now_stamp(), **copy.deepcopy(data)}
        targets = self._targets(athlete_id, event_type, event)
        with self._lock:
            self.emitted.append(event)
            queued_at = time.monotonic()
            for client_id in targets:
                self._queues.setdefault(client_id, []).append((queued_at, event))
            if targets:
                self._lock.notify_all()

    def _targets(self, athlete_id: str, event_type: str, event: dict[str, Any]) -> list[str]:
        with self.state.lock:
            apps = list(self.state.apps.values())
            if event_type == "APP_SCOPE_CHANGED":
                wanted = str(event.get("client_id"))
                return [a.client_id for a in apps
                        if a.client_id == wanted and _subscribes(a, event)]
            return [a.client_id for a in apps
                    if _subscribes(a, event) and self._authorized(a.client_id, athlete_id, event)]

    def _authorized(self, client_id: str, athlete_id: str, event: dict[str, Any]) -> bool:
        """The athlete holds a live token of the app whose scopes cover the event type."""
        area = EVENT_TYPES.get(str(event.get("type")))
        for token in self.state.tokens.values():
            if token.client_id != client_id or token.athlete_id != athlete_id or token.revoked:
                continue
            if area is None or any(scope.area == area for scope in token.scopes):
                return True
        return False

    # -- faults -----------------------------------------------------------------------------

    def add_fault(self, kind: FaultKind, *, count: int = 1, seconds: float = 0.0,
                  client_id: str | None = None) -> DeliveryFault:
        fault = DeliveryFault(kind=kind, count=count, seconds=float(seconds),
                              client_id=client_id, id=next(self._fault_ids))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every delivery fault; batches held by a reorder fault are released."""
        with self._lock:
            for fault in self._faults:
                self._release(fault)
            self._retired_faults.extend(self._faults)
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]

    def fault_history(self) -> list[dict[str, Any]]:
        """Armed and retired delivery faults (``active``), oldest first, with ``fired``."""
        with self._lock:
            found = [{**f.describe(), "active": True} for f in self._faults]
            found += [{**f.describe(), "active": False} for f in self._retired_faults]
            return sorted(found, key=lambda f: f["id"])

    def _retire(self, fault: DeliveryFault) -> None:
        self._faults.remove(fault)
        self._retired_faults.append(fault)

    def _take_fault(self, kind: str, client_id: str) -> DeliveryFault | None:
        for fault in self._faults:
            if fault.kind == kind and fault.applies_to(client_id) and (
                kind != "reorder" or len(fault.held) < fault.count
            ):
                fault.fired += 1
                if kind != "reorder":
                    fault.count -= 1
                    if fault.count <= 0:
                        self._retire(fault)
                return fault
        return None

    def _release(self, fault: DeliveryFault) -> None:
        """Send what a reorder fault holds, newest first."""
        now = self.state.now()
        for delivery in reversed(fault.held):
            delivery.status = "pending"
            delivery.due = now
            delivery.seq = next(self._seq)
        fault.held.clear()

    # -- transports -------------------------------------------------------------------------

    def set_transport(self, client_id: str, transport: httpx.BaseTransport | None) -> None:
        """Deliver this app's webhooks through ``transport`` (e.g. an in-process ASGI app)
        instead of a real socket."""
        with self._lock:
            old = self._clients.pop(client_id, None)
            if transport is None:
                self._transports.pop(client_id, None)
            else:
                self._transports[client_id] = transport
        if old is not None:
            old.close()

    def _client_for(self, client_id: str) -> httpx.Client:
        with self._lock:
            key = client_id if client_id in self._transports else ""
            client = self._clients.get(key)
            if client is None:
                transport = self._transports.get(client_id)
                client = httpx.Client(transport=transport, follow_redirects=False,
                                      trust_env=False)
                self._clients[key] = client
            return client

    # -- scheduling -------------------------------------------------------------------------

    def _form_batches(self, *, force: bool) -> None:
        """Turn queued events into deliveries (after the batch window, or now if forced)."""
        now_mono = time.monotonic()
        window = self.state.options.webhook_batch_window
        for client_id, queue in list(self._queues.items()):
            if not queue or (not force and now_mono - queue[0][0] < window):
                continue
            del self._queues[client_id]
            delivery = Delivery(id=f"d{next(self._ids)}", client_id=client_id,
                                events=[event for _, event in queue], due=self.state.now(),
                                seq=next(self._seq))
            self._deliveries.append(delivery)
            self._apply_batch_faults(delivery)

    def _apply_batch_faults(self, delivery: Delivery) -> None:
        if (fault := self._take_fault("delay", delivery.client_id)) is not None:
            delivery.due += timedelta(seconds=fault.seconds)
            delivery.faults.append(f"delay {fault.seconds:g}s")
        if self._take_fault("duplicate", delivery.client_id) is not None:
            delivery.duplicate = True
            delivery.faults.append("duplicate")
        if (fault := self._take_fault("reorder", delivery.client_id)) is not None:
            delivery.status = "held"
            delivery.faults.append("reorder")
            fault.held.append(delivery)
            if fault.release_at is None:
                fault.release_at = self.state.now() + timedelta(seconds=fault.seconds)
            if len(fault.held) >= fault.count:
                self._release(fault)
                self._retire(fault)

    def _release_expired_holds(self) -> None:
        now = self.state.now()
        for fault in list(self._faults):
            if fault.kind == "reorder" and fault.held and (
                fault.release_at is not None and fault.release_at <= now
            ):
                self._release(fault)
                self._retire(fault)

    def _next_due(self) -> Delivery | None:
        now = self.state.now()
        due = [d for d in self._deliveries
               if d.status == "pending" and d.due <= now and d.client_id not in self._in_flight]
        if not due:
            return None
        chosen = min(due, key=lambda d: (d.due, d.seq))
        # One attempt in flight per app keeps an app's deliveries in order.
        self._in_flight.add(chosen.client_id)
        return chosen

    def _finish(self, delivery: Delivery) -> None:
        with self._lock:
            self._in_flight.discard(delivery.client_id)
            if delivery.status in {"delivered", "given_up", "cancelled"}:
                self._deliveries.remove(delivery)
            self._lock.notify_all()

    # -- attempts ---------------------------------------------------------------------------

    def _live_events(self, delivery: Delivery) -> list[dict[str, Any]]:
        """The events still allowed now (the athlete may have disconnected since)."""
        with self.state.lock:
            return [e for e in delivery.events
                    if e.get("type") == "APP_SCOPE_CHANGED"
                    or self._authorized(delivery.client_id, str(e.get("athlete_id")), e)]

    def _attempt(self, delivery: Delivery) -> None:
        try:
            self._attempt_inner(delivery)
        except Exception:  # never let one bad delivery kill the sender
            logger.exception("webhook delivery %s failed unexpectedly", delivery.id)
            delivery.status = "given_up"
        finally:
            self._finish(delivery)

    def _attempt_inner(self, delivery: Delivery) -> None:
        with self.state.lock:
            app = self.state.apps.get(delivery.client_id)
        events = self._live_events(delivery)
        if app is None or not app.webhook_url or not events:
            delivery.status = "cancelled"
            reason = ("the app has no webhook URL" if app is None or not app.webhook_url
                      else "no athlete in this batch authorizes the app any more")
            self._record(delivery, app, events or delivery.events, status=None, error=reason,
                         latency_ms=0.0, outcome="cancelled")
            return
        delivery.events = events
        options = self.state.options
        delivery.attempts += 1
        drop = self._take_fault_locked("drop", delivery.client_id)
        started_at = self.state.now_stamp()
        status: int | None
        error: str | None
        if drop is not None:
            status, error, latency = None, "dropped by fault injection (not sent)", 0.0
        else:
            status, error, latency = self._post(app, events, options.webhook_timeout)
        delivered = status is not None and 200 <= status < 300 and not (
            status == 204 and options.webhook_204_is_failure
        )
        schedule = options.webhook_retry_schedule
        backoff: float | None = None
        if delivered:
            delivery.status = "delivered"
            outcome = "delivered"
        elif delivery.attempts <= len(schedule):
            backoff = float(schedule[delivery.attempts - 1])
            delivery.due = self.state.now() + timedelta(seconds=backoff)
            outcome = "will_retry"
        else:
            delivery.status = "given_up"
            outcome = "given_up"
            logger.warning("webhook delivery %s to app %s given up after %d attempts (last: %s)",
                           delivery.id, delivery.client_id, delivery.attempts,
                           error or f"HTTP {status}")
        self._record(delivery, app, events, status=status, error=error, latency_ms=latency,
                     outcome=outcome, timestamp=started_at, backoff_seconds=backoff)
        if delivery.duplicate and delivery.attempts == 1 and drop is None:
            started_at = self.state.now_stamp()
            dup_status, dup_error, dup_latency = self._post(app, events, options.webhook_timeout)
            self._record(delivery, app, events, status=dup_status, error=dup_error,
                         latency_ms=dup_latency, outcome="duplicate", timestamp=started_at)

    def _take_fault_locked(self, kind: str, client_id: str) -> DeliveryFault | None:
        with self._lock:
            return self._take_fault(kind, client_id)

    def _post(self, app: OAuthAppRecord, events: list[dict[str, Any]],
              timeout: float) -> tuple[int | None, str | None, float]:
        body = json_bytes({"secret": app.webhook_secret or "", "events": events})
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if app.webhook_authorization:
            headers["Authorization"] = app.webhook_authorization
        started = time.perf_counter()
        try:
            response = self._client_for(app.client_id).post(
                str(app.webhook_url), content=body, headers=headers, timeout=timeout)
            status, error = response.status_code, None
        except httpx.TimeoutException:
            status, error = None, f"timeout: no answer within {timeout:g}s"
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
        return status, error, round((time.perf_counter() - started) * 1000, 1)

    def _record(self, delivery: Delivery, app: OAuthAppRecord | None,
                events: list[dict[str, Any]], *, status: int | None, error: str | None,
                latency_ms: float, outcome: str, timestamp: str | None = None,
                backoff_seconds: float | None = None) -> None:
        entry = {
            "n": next(self._attempt_no),
            "delivery_id": delivery.id,
            "client_id": delivery.client_id,
            "app": app.name if app is not None else None,
            "attempt": delivery.attempts,
            "event_types": [e.get("type") for e in events],
            "athlete_ids": sorted({str(e.get("athlete_id")) for e in events}),
            "status": status,
            "error": error,
            "latency_ms": latency_ms,
            "timestamp": timestamp or self.state.now_stamp(),
            "outcome": outcome,
            "next_attempt_at": stamp(delivery.due) if outcome == "will_retry" else None,
            "backoff_seconds": backoff_seconds,
            "faults": list(delivery.faults),
        }
        with self._lock:
            self._log.append(entry)

    # -- public driving ---------------------------------------------------------------------

    def flush(self, *, timeout: float | None = None) -> list[dict[str, Any]]:
        """Send everything queued now (ignoring the batch window) and every retry or held
        delivery that is due on the sandbox clock, in this thread. Returns the log entries of
        the attempts made meanwhile."""
        limit = timeout if timeout is not None else self.state.options.webhook_timeout + 5
        with self._lock:
            start = self._log[-1]["n"] if self._log else 0
            self._lock.wait_for(lambda: not self._in_flight, timeout=limit)
            self._form_batches(force=True)
            self._release_expired_holds()
        while True:
            with self._lock:
                delivery = self._next_due()
            if delivery is None:
                break
            self._attempt(delivery)
        with self._lock:
            self._lock.wait_for(lambda: not self._in_flight, timeout=limit)
            return [dict(e) for e in self._log if e["n"] > start]

    def idle(self) -> bool:
        """Nothing queued, held, waiting for a retry or in flight."""
        with self._lock:
            return not self._queues and not self._in_flight and not any(
                d.status in {"pending", "held"} for d in self._deliveries)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until :meth:`idle` (with the sender thread running); False on timeout."""
        deadline = time.monotonic() + timeout
        if self._thread is None:
            self.flush()
        while not self.idle():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._lock:
                self._lock.wait(min(remaining, _TICK * 5))
        return True

    def deliveries(self, client_id: str | None = None,
                   limit: int | None = None) -> list[dict[str, Any]]:
        """The delivery log: one entry per attempt, oldest first; ``limit``: the newest
        ``limit`` only (copied alone: the dashboard reads them every second)."""
        with self._lock:
            found: list[dict[str, Any]] = []
            for entry in reversed(self._log):
                if limit is not None and len(found) >= limit:
                    break
                if client_id is None or entry["client_id"] == client_id:
                    found.append(dict(entry))
            return found[::-1]

    def pending(self) -> list[dict[str, Any]]:
        """Deliveries not finished yet (waiting, held by a fault, or waiting for a retry)."""
        with self._lock:
            queued = [{"client_id": c, "status": "queued",
                       "event_types": [e.get("type") for _, e in q]}
                      for c, q in self._queues.items() if q]
            return queued + [d.describe() for d in sorted(self._deliveries, key=lambda d: d.seq)]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            outcomes: dict[str, int] = {}
            for entry in self._log:
                outcomes[entry["outcome"]] = outcomes.get(entry["outcome"], 0) + 1
            return {
                "emitted": len(self.emitted),
                "queued": sum(len(q) for q in self._queues.values()),
                "pending": sum(1 for d in self._deliveries if d.status == "pending"),
                "held": sum(1 for d in self._deliveries if d.status == "held"),
                "attempts": outcomes,
                "running": self._thread is not None,
            }

    # -- the sender thread ------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._executor = ThreadPoolExecutor(max_workers=8,
                                            thread_name_prefix="icu-sandbox-webhook")
        self._thread = threading.Thread(target=self._run, name="icu-sandbox-webhooks",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            with self._lock:
                self._lock.notify_all()
            thread.join(timeout=5)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # keep sending whatever happens to one tick
                logger.exception("webhook sender tick failed")
            with self._lock:
                self._lock.wait(_TICK)

    def _tick(self) -> None:
        executor = self._executor
        if executor is None:
            return
        with self._lock:
            self._form_batches(force=False)
            self._release_expired_holds()
            started = []
            while (delivery := self._next_due()) is not None:
                started.append(delivery)
        for delivery in started:
            try:
                executor.submit(self._attempt, delivery)
            except RuntimeError:  # shutting down
                self._finish(delivery)


def _subscribes(app: OAuthAppRecord, event: dict[str, Any]) -> bool:
    event_type = str(event.get("type"))
    if not app.webhook_url or event_type not in app.webhook_types:
        return False
    if event_type.startswith("ACTIVITY_"):
        activity = event.get("activity")
        if isinstance(activity, dict) and activity.get("source") == "STRAVA":
            return False  # the platform never sends activity webhooks for Strava activities
    return True
