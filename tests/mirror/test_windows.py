"""Cutting a listed history into read windows: contiguous, newest first, none over capacity
unless one day alone is busier."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from intervals_icu.mirror.activity_passes import cut_windows as _cut_windows

START = date(2020, 1, 1)


@given(st.dictionaries(st.integers(0, 400), st.integers(1, 30), max_size=120),
       st.integers(1, 60))
def test_windows_cover_the_range_contiguously_within_capacity(
    offsets: dict[int, int], capacity: int
) -> None:
    counts = {START + timedelta(days=o): n for o, n in offsets.items()}
    oldest, newest = START - timedelta(days=3), START + timedelta(days=403)
    windows = _cut_windows(counts, oldest, newest, capacity)
    assert windows[0][1] == newest
    assert windows[-1][0] == oldest
    for (lo, _hi), (next_lo, next_hi) in pairwise(windows):
        assert next_hi == lo - timedelta(days=1)
        assert next_lo <= next_hi
    for lo, hi in windows:
        held = [n for d, n in counts.items() if lo <= d <= hi]
        assert sum(held) <= capacity or len(held) == 1
    assert sum(counts.values()) == sum(
        n for lo, hi in windows for d, n in counts.items() if lo <= d <= hi)
