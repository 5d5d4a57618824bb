# Generated from src/intervals_icu/_async/resources/shared_events.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Shared events (races) anyone can add to their calendar."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class SharedEventsResource(Resource):
    pass
