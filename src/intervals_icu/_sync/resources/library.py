# Generated from src/intervals_icu/_async/resources/library.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""The workout library: folders, plans and workouts."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class LibraryResource(Resource):
    pass
