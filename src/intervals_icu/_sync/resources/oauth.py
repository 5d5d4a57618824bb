# Generated from src/intervals_icu/_async/resources/oauth.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""OAuth housekeeping: disconnect this app."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class OAuthResource(Resource):
    pass
