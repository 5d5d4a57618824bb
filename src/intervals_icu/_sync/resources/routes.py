# Generated from src/intervals_icu/_async/resources/routes.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Routes and their similarity."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class RoutesResource(Resource):
    pass
