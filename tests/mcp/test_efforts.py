"""Best efforts from streams: the fast path (one sample a second) and the general one (by
time, gaps included) agree with a brute-force search."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from intervals_icu.mcp.efforts import best_means

DURATIONS = (1, 2, 5, 10, 30)


def brute(times: list[float], values: list[float], duration: int) -> float | None:
    best = None
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            if times[j] - times[i] >= duration:
                mean = sum(values[i:j]) / (j - i)
                best = mean if best is None else max(best, mean)
                break
    return best


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 1500), min_size=2, max_size=80),
       st.lists(st.integers(1, 3), min_size=80, max_size=80), st.booleans())
def test_best_means_match_brute_force(values: list[int], steps: list[int],
                                      regular: bool) -> None:
    times = [0.0]
    for step in steps[:len(values) - 1]:
        times.append(times[-1] + (1 if regular else step))
    found = {d: v for d, v, _ in best_means(times, [float(v) for v in values], DURATIONS)}
    for duration in DURATIONS:
        expected = brute(times, [float(v) for v in values], duration)
        if expected is None:
            assert duration not in found
        else:
            assert found[duration] == round(expected, 2), (duration, regular)
