"""Chats: private conversations and groups, their messages, and "seen" markers.

A chat is one record shared by its members: the same dict sits in each member's store (under
``extra["chats"]``), so a chat id only resolves for its members (others get 404, as if it did
not exist). Messages are listed most recent first and paged with ``beforeId``. The activity
comment routes (``/activity/{id}/messages``) belong to the activities area.
"""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import validate_patch
from intervals_icu.sandbox.state import SandboxState

__all__ = ["open_chat"]

_CHAT_FIELDS_HIDDEN = ("messages", "last_seen")


def _chats(state: SandboxState, athlete_id: str) -> dict[int, dict[str, Any]]:
    chats: dict[int, dict[str, Any]] = state.store(athlete_id).extra.setdefault("chats", {})
    return chats


def _member_ids(chat: dict[str, Any]) -> list[str]:
    return [m["athlete_id"] for m in chat.get("members") or []]


def _member(state: SandboxState, athlete_id: str, role: str = "MEMBER") -> dict[str, Any]:
    account = state.accounts[athlete_id]
    return {"athlete_id": athlete_id, "name": account.name, "role": role,
            "coach": bool(any(athlete_id in a.coached_by for a in state.accounts.values()))}


def open_chat(state: SandboxState, members: list[str], *, chat_type: str = "PRIVATE",
              name: str | None = None) -> dict[str, Any]:
    """A new chat among ``members`` (the first is its admin): ``PRIVATE`` between two
    athletes, or a ``GROUP`` (e.g. seeded coaching groups)."""
    chat_id = state.next_id("chat", start=1)
    chat: dict[str, Any] = {
        "id": chat_id, "type": chat_type, "updated": state.now_stamp(),
        "members": [_member(state, a, "ADMIN" if i == 0 else "MEMBER")
                    for i, a in enumerate(members)],
        "messages": [], "last_seen": {},
    }
    if name:
        chat["name"] = name
    for athlete_id in members:
        _chats(state, athlete_id)[chat_id] = chat
    return chat


def _private_chat(state: SandboxState, me: str, other: str) -> tuple[dict[str, Any], bool]:
    for chat in _chats(state, me).values():
        if chat.get("type") == "PRIVATE" and set(_member_ids(chat)) == {me, other}:
            return chat, False
    return open_chat(state, [me, other]), True


def chat_json(state: SandboxState, chat: dict[str, Any], viewer: str) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in chat.items() if k not in _CHAT_FIELDS_HIDDEN}
    last_seen = chat["last_seen"].get(viewer)
    if last_seen is not None:
        out["last_seen_message_id"] = last_seen
    out["new_message_count"] = sum(
        1 for m in chat["messages"]
        if not m.get("deleted") and m["athlete_id"] != viewer
        and (last_seen is None or m["id"] > last_seen)
    )
    role = next((m["role"] for m in chat.get("members") or [] if m["athlete_id"] == viewer), None)
    if role is not None:
        out["role"] = role
    if chat.get("type") == "PRIVATE":
        other = next((a for a in _member_ids(chat) if a != viewer), None)
        if other is not None:
            out["other_athlete_id"] = other
            out.setdefault("name", state.accounts[other].name)
    return out


def _message_json(message: dict[str, Any], viewer: str, chat: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(message)
    last_seen = chat["last_seen"].get(viewer)
    out["seen"] = message["athlete_id"] == viewer or (
        last_seen is not None and message["id"] <= last_seen)
    return out


def _chat(ctx: Ctx) -> dict[str, Any]:
    try:
        chat_id = int(ctx.params["id"])
    except ValueError:
        raise ApiError(422, f"Invalid chat id: {ctx.params['id']}") from None
    chat = _chats(ctx.state, ctx.principal.athlete_id).get(chat_id)
    if chat is None:
        raise ApiError(404, f"Chat not found: {chat_id}")
    return chat


def _message(ctx: Ctx, chat: dict[str, Any]) -> dict[str, Any]:
    try:
        message_id = int(ctx.params["msgId"])
    except ValueError:
        raise ApiError(422, f"Invalid message id: {ctx.params['msgId']}") from None
    message: dict[str, Any] | None = next(
        (m for m in chat["messages"] if m["id"] == message_id), None)
    if message is None:
        raise ApiError(404, f"Message not found: {message_id}")
    return message


@handles("listChats")
def list_chats(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    chats = sorted(_chats(ctx.state, athlete_id).values(),
                   key=lambda c: (str(c.get("updated") or ""), c["id"]), reverse=True)
    return [chat_json(ctx.state, c, athlete_id) for c in chats]


@handles("listGroups")
def list_groups(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    groups = [c for c in _chats(ctx.state, athlete_id).values() if c.get("type") == "GROUP"]
    groups.sort(key=lambda c: (str(c.get("name") or "").lower(), c["id"]))
    return [chat_json(ctx.state, c, athlete_id) for c in groups]


@handles("showChat")
def show_chat(ctx: Ctx) -> Any:
    return chat_json(ctx.state, _chat(ctx), ctx.principal.athlete_id)


@handles("listMessages")
def list_messages(ctx: Ctx) -> Any:
    chat = _chat(ctx)
    before = ctx.q_int("beforeId")
    limit = ctx.q_int("limit", 30) or 30
    rows = [m for m in reversed(chat["messages"]) if before is None or m["id"] < before]
    return [_message_json(m, ctx.principal.athlete_id, chat) for m in rows[:limit]]


@handles("sendMessage")
def send_message(ctx: Ctx) -> Any:
    """To an existing chat (``chat_id``) or another athlete (``to_athlete_id``; a private chat
    is opened on first contact and returned as ``new_chat``)."""
    me = ctx.principal.athlete_id
    body = ctx.json_object()
    validate_patch("NewMessage", body)
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(422, "content is required")
    new_chat = None
    if body.get("chat_id") is not None:
        chat = _chats(ctx.state, me).get(int(body["chat_id"]))
        if chat is None:
            raise ApiError(404, f"Chat not found: {body['chat_id']}")
    elif body.get("to_athlete_id"):
        other = str(body["to_athlete_id"])
        if other not in ctx.state.accounts or other == me:
            raise ApiError(404, f"Athlete not found: {other}")
        chat, created = _private_chat(ctx.state, me, other)
        if created:
            new_chat = chat
    else:
        raise ApiError(422, "Say where the message goes: chat_id or to_athlete_id")
    message = {
        "id": ctx.state.next_id("chat-message", start=1),
        "athlete_id": me,
        "name": ctx.state.accounts[me].name,
        "created": ctx.state.now_stamp(),
        "type": body.get("type") or "TEXT",
        "content": content,
    }
    for key in ("answer", "attachment_url", "attachment_mime_type"):
        if body.get(key) is not None:
            message[key] = body[key]
    chat["messages"].append(message)
    chat["updated"] = message["created"]
    chat["last_seen"][me] = message["id"]
    for member in _member_ids(chat):
        if member != me:
            ctx.state.emit(member, "CHAT_UPDATE", chat_id=chat["id"],
                           message=copy.deepcopy(message))
    response: dict[str, Any] = {"id": message["id"],
                                "message": _message_json(message, me, chat)}
    if new_chat is not None:
        response["new_chat"] = chat_json(ctx.state, new_chat, me)
    return response


@handles("updateMessage")
def update_message(ctx: Ctx) -> Any:
    chat = _chat(ctx)
    message = _message(ctx, chat)
    if message["athlete_id"] != ctx.principal.athlete_id:
        raise ApiError(403, "Access denied")
    body = ctx.json_object()
    validate_patch("Message", body)
    if isinstance(body.get("content"), str):
        message["content"] = body["content"]
    return _message_json(message, ctx.principal.athlete_id, chat)


@handles("deleteMessage")
def delete_message(ctx: Ctx) -> Any:
    """Marks the message deleted (it stays in the history with ``deleted`` set)."""
    chat = _chat(ctx)
    message = _message(ctx, chat)
    me = ctx.principal.athlete_id
    owner = next((m["athlete_id"] for m in chat.get("members") or [] if m["role"] == "ADMIN"),
                 None)
    if message["athlete_id"] != me and owner != me:
        raise ApiError(403, "Access denied")
    message["deleted"] = ctx.state.now_stamp()
    message["deleted_by_id"] = me
    message["content"] = ""
    return _message_json(message, me, chat)


@handles("updateLastSeenMessageId")
def mark_seen(ctx: Ctx) -> Any:
    chat = _chat(ctx)
    message = _message(ctx, chat)
    me = ctx.principal.athlete_id
    chat["last_seen"][me] = max(chat["last_seen"].get(me, 0), message["id"])
    return {"chat_id": chat["id"], "last_seen_message_id": chat["last_seen"][me]}
