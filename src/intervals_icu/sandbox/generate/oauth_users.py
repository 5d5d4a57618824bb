"""Many athletes who have authorized one OAuth app, seeded cheaply (a fleet of users for
budget and multi-user tests): each gets an account, an API key, a live token of the app and
a short history.

Cheap because each history is generated when first needed (``SandboxState.pending``), and
the same as if generated at once: it is built in a scratch state whose clock is frozen at
the seeding moment, from the profile as it was then, with ids from the athlete's own block
(so the order in which histories are generated changes nothing). Seeding emits no webhooks,
like the seeded world.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intervals_icu.sandbox.clock import Clock
from intervals_icu.sandbox.generate.activities import ACTIVITY_ID_START, STRAVA_ID_START
from intervals_icu.sandbox.generate.world import _profile
from intervals_icu.sandbox.options import SandboxOptions
from intervals_icu.sandbox.state import OAuthAppRecord, SandboxState, TokenRecord
from intervals_icu.scopes import Scope, format_scopes

__all__ = ["MAX_SEEDED_USERS", "SeededHistory", "seed_oauth_users"]

ID_BLOCK = 100_000
"""Ids of each kind (activities, events, gear...) one seeded history may use."""
FIRST_BLOCK = 1000
"""Blocks start at 1000 x ID_BLOCK above each kind's usual start: far above the seeded
world's ids and anything the API creates."""
MAX_SEEDED_USERS = 10_000
"""Event ids are int32: 500,000 + (1000 + 10,000) x 100,000 still fits."""
MAX_DAYS = 3650
ATHLETE_ID_START = 1_000_000
_DIGITS = re.compile(r"i?([0-9]+)")


class _BlockState(SandboxState):
    """A scratch state whose counters all start ``offset`` above their usual start."""

    def __init__(self, offset: int, clock: Clock, seed: int) -> None:
        super().__init__(SandboxOptions(), clock, seed=seed)
        self.offset = offset

    def next_id(self, kind: str, start: int = 1000) -> int:
        return super().next_id(kind, start + self.offset)


@dataclass(frozen=True)
class SeededHistory:
    """What it takes to generate one seeded user's history later, identically."""

    block: int
    seed: int
    days: int
    moment: datetime
    """The sandbox clock when the user was seeded: the history ends then."""
    profile: dict[str, Any] = field(hash=False)
    """The profile as seeded (the athlete may change theirs before the history is made)."""

    @property
    def offset(self) -> int:
        return self.block * ID_BLOCK

    def materialize(self, state: SandboxState, athlete_id: str) -> None:
        from intervals_icu.sandbox.generate.history import generate_history

        scratch = _BlockState(self.offset, Clock(self.moment, frozen=True), state.seed)
        scratch.add_account(athlete_id, {k: v for k, v in self.profile.items() if k != "id"},
                            api_key="-")
        generate_history(scratch, athlete_id, seed=self.seed, years=self.days / 365.25)
        with state.lock:
            state.stores[athlete_id] = scratch.stores[athlete_id]
            state.activity_index.update(scratch.activity_index)

    def owns_activity(self, activity_id: str) -> bool:
        found = _DIGITS.fullmatch(activity_id)
        if found is None:
            return False
        number = int(found.group(1))
        base = ACTIVITY_ID_START if activity_id.startswith("i") else STRAVA_ID_START
        return base + self.offset <= number < base + self.offset + ID_BLOCK


def seed_oauth_users(state: SandboxState, app: OAuthAppRecord, count: int, *, days: int,
                     scopes: frozenset[Scope], lazy: bool = True) -> list[dict[str, Any]]:
    """``count`` new athletes, each with ``days`` of history and a live token of ``app``
    granting ``scopes``; returns ``[{athlete_id, name, api_key, access_token, scope}]``.
    Deterministic: the same sandbox seed and the same calls give the same users."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a whole number >= 1, not {count!r}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be a whole number from 1 to {MAX_DAYS}, not {days!r}")
    if not scopes:
        raise ValueError("grant at least one scope, e.g. 'ACTIVITY:READ'")
    seeded: list[dict[str, Any]] = []
    with state.lock:
        used = sum(1 for account in state.accounts
                   if account.startswith("i") and account[1:].isdigit()
                   and int(account[1:]) >= ATHLETE_ID_START)
        if used + count > MAX_SEEDED_USERS:
            raise ValueError(f"at most {MAX_SEEDED_USERS} seeded users per sandbox; "
                             f"{used} exist, {count} more were asked for")
        moment = state.now()
        for _ in range(count):
            block = FIRST_BLOCK + state.next_id("oauth_user", start=1)
            athlete_id = f"i{ATHLETE_ID_START + block - FIRST_BLOCK}"
            rng = random.Random(f"oauth-user:{state.seed}:{block}")
            profile = _profile(rng, block)
            api_key = f"{rng.getrandbits(128):032x}"
            account = state.add_account(athlete_id, profile, api_key=api_key)
            history = SeededHistory(block=block, seed=state.seed * 1_000_003 + block,
                                    days=days, moment=moment, profile=dict(account.profile))
            state.pending[athlete_id] = history
            if not lazy:
                state.materialize(athlete_id)
            token = TokenRecord(token=f"{rng.getrandbits(128):032x}", athlete_id=athlete_id,
                                client_id=app.client_id, scopes=scopes, created=moment)
            state.tokens[token.token] = token
            seeded.append({"athlete_id": athlete_id, "name": account.name, "api_key": api_key,
                           "access_token": token.token, "scope": format_scopes(scopes)})
    return seeded
