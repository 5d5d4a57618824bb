"""An activity's best efforts as the assistant gets them are the toolkit's one definition
(intervals_icu.efforts, as `icu report` and the mirror's activity_curves compute them)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from intervals_icu import efforts
from intervals_icu.mcp import streams as stream_figures


def _recording(values: list[int | None], steps: list[int]) -> dict[str, list[object]]:
    time, distance = [0], [0.0]
    for step in steps[:len(values) - 1]:
        time.append(time[-1] + step)
        distance.append(distance[-1] + 4.0 * step)
    return {"time": list(time), "watts": list(values), "heartrate": list(values),
            "distance": list(distance)}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 1500)), min_size=2, max_size=400),
       st.lists(st.sampled_from([1, 1, 1, 2, 30]), min_size=400, max_size=400))
def test_best_efforts_are_the_reports(values: list[int | None], steps: list[int]) -> None:
    recording = _recording(values, steps)
    answer = stream_figures.curves(recording)
    report = efforts.activity_curves(recording)
    for kind in ("power", "hr"):
        got = {p.secs: p.value for p in answer.get(kind, [])}
        expected = {int(k): round(v, 2) for k, v in report.get(kind, {}).items()
                    if int(k) in stream_figures.DURATIONS}
        assert got == expected
    got_pace = {p.distance_m: p.value for p in answer.get("pace", [])}
    expected_pace = {float(k): round(v, 1) for k, v in report.get("pace", {}).items()
                     if float(k) in stream_figures.DISTANCES}
    assert got_pace == expected_pace


def test_a_pause_is_not_an_effort() -> None:
    """300 W for 60 s, a 10-minute stop, 300 W for 60 s: the best 5 minutes is not 300 W
    (the stop counts as zero), and the best minute is."""
    time = list(range(60)) + [660 + s for s in range(60)]
    answer = stream_figures.curves({"time": time, "watts": [300] * 120})
    power = {p.secs: p.value for p in answer["power"]}
    assert power[60] == 300
    assert power[300] == round(300 * 60 / 300, 2)
