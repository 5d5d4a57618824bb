"""Chats, groups and activity comments."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncChatsResource(AsyncResource):
    pass
