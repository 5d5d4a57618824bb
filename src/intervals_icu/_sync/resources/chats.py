# Generated from src/intervals_icu/_async/resources/chats.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Chats, groups and activity comments."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class ChatsResource(Resource):
    pass
