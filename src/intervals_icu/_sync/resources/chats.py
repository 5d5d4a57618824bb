# Generated from src/intervals_icu/_async/resources/chats.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Chats: direct messages and groups. (Comments on an activity are
``client.activities.messages`` / ``send_message``.)"""

from __future__ import annotations

import builtins
from typing import Any

from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._sync.resources._base import Resource
from intervals_icu._http import RequestSpec
from intervals_icu.models import Chat, Message, NewMessage, SendResponse
from intervals_icu.models._fields import MessageFields, NewMessageFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body

__all__ = ["ChatsResource"]


def _chat_path(chat_id: int, suffix: str = "") -> str:
    return f"/api/v1/chats/{int(chat_id)}{suffix}"


class ChatsResource(Resource):
    @operation("listChats")
    def list(self) -> builtins.list[Chat]:
        """The athlete's chats (groups included), most recently active first."""
        return self._client._request_list(
            RequestSpec("GET", self._athlete_path("/chats")), Chat,
        )

    @operation("listGroups")
    def groups(self) -> builtins.list[Chat]:
        """The athlete's groups, by name."""
        return self._client._request_list(
            RequestSpec("GET", self._athlete_path("/groups")), Chat,
        )

    @operation("showChat")
    def get(self, chat_id: int) -> Chat:
        return self._client._request_model(
            RequestSpec("GET", _chat_path(chat_id)), Chat,
        )

    @operation("listMessages")
    def messages(self, chat_id: int, *, before_id: int | None = None,
                       limit: int | None = None) -> builtins.list[Message]:
        """Messages, most recent first; page back with ``before_id`` (the oldest id seen)."""
        return self._client._request_list(
            RequestSpec("GET", _chat_path(chat_id, "/messages"),
                        params={"beforeId": before_id, "limit": limit}),
            Message,
        )

    @operation("sendMessage")
    def send(self, **fields: Unpack[NewMessageFields]) -> SendResponse:
        """Send ``content`` to a chat (``chat_id``) or an athlete (``to_athlete_id``; the
        first message opens a chat, returned as ``new_chat``)."""
        body = build_partial_body(NewMessage, fields, what="Message")
        if not body.get("content"):
            raise errors.InvalidRequestError("a message needs content. Nothing was sent.")
        if body.get("chat_id") is None and not body.get("to_athlete_id"):
            raise errors.InvalidRequestError(
                "say where the message goes: chat_id=... or to_athlete_id=... "
                "Nothing was sent.")
        return self._client._request_model(
            RequestSpec("POST", "/api/v1/chats/send-message",
                        json=body),
            SendResponse,
        )

    @operation("updateMessage")
    def update_message(self, chat_id: int, message_id: int,
                             **fields: Unpack[MessageFields]) -> Any:
        """Edit one of your messages (e.g. ``content=...``)."""
        return self._client._request_json(
            RequestSpec("PUT", _chat_path(chat_id, f"/messages/{int(message_id)}"),
                        json=build_partial_body(Message, fields, what="Message"))
        )

    @operation("deleteMessage")
    def delete_message(self, chat_id: int, message_id: int) -> Any:
        return self._client._request_json(
            RequestSpec("DELETE", _chat_path(chat_id, f"/messages/{int(message_id)}"))
        )

    @operation("updateLastSeenMessageId")
    def mark_seen(self, chat_id: int, message_id: int) -> Any:
        """Everything up to ``message_id`` in the chat has been read."""
        return self._client._request_json(
            RequestSpec("PUT", _chat_path(chat_id, f"/messages/{int(message_id)}/seen"))
        )
