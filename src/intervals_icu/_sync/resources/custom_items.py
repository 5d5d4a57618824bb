# Generated from src/intervals_icu/_async/resources/custom_items.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Custom items: charts, custom fields, zones."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class CustomItemsResource(Resource):
    pass
