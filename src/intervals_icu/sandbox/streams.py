"""The 1 Hz streams of an activity: stored ones, or re-created from the generator's recipe."""

from __future__ import annotations

from typing import Any

from intervals_icu.sandbox.state import ActivityDetail

__all__ = ["load_streams"]


def load_streams(detail: ActivityDetail) -> dict[str, list[Any]]:
    """The activity's streams by type (``latlng`` as [lat, lng] pairs), deterministic."""
    if detail.streams is not None:
        return {k: list(v) for k, v in detail.streams.items()}
    if detail.recipe is None:
        return {}
    raise NotImplementedError
