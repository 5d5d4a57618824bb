# Generated from src/intervals_icu/_async/resources/activities.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Activities: list, get, update, delete, uploads, intervals, streams, files, analytics."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class ActivitiesResource(Resource):
    pass
