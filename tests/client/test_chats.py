"""Chats through the client: a private chat opened by the first message, paging, edits,
deletes and "seen" markers, seen from both sides."""

from __future__ import annotations

import pytest

from intervals_icu import AsyncClient, Client, InvalidRequestError, NotFound, PermissionDenied
from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.handlers.chats import open_chat


def test_first_message_opens_a_private_chat_both_sides_see(client: Client,
                                                          sandbox: Sandbox) -> None:
    other_id = sandbox.athlete_ids[1]
    sent = client.chats.send(to_athlete_id=other_id, content="Ride Saturday?")
    assert sent.new_chat is not None
    assert sent.message is not None
    chat_id = sent.new_chat.id or 0
    again = client.chats.send(to_athlete_id=other_id, content="8am?")
    assert again.new_chat is None  # same chat
    with sandbox.client(api_key=sandbox.api_key_for(other_id)) as other:
        [chat] = other.chats.list()
        assert chat.id == chat_id
        assert chat.new_message_count == 2
        assert [m.content for m in other.chats.messages(chat_id)] == ["8am?", "Ride Saturday?"]
        other.chats.send(chat_id=chat_id, content="Yes")
        other.chats.mark_seen(chat_id, again.id or 0)
        assert other.chats.get(chat_id).new_message_count == 0
    assert client.chats.get(chat_id).new_message_count == 1
    assert client.chats.groups() == []


def test_groups_are_listed_by_name(client: Client, sandbox: Sandbox) -> None:
    members = [sandbox.coach_id, sandbox.athlete_id]
    for name in ("Zwift crew", "Club rides"):
        open_chat(sandbox.state, members, chat_type="GROUP", name=name)
    client.chats.send(to_athlete_id=sandbox.athlete_ids[1], content="not a group")
    assert [g.name for g in client.chats.groups()] == ["Club rides", "Zwift crew"]
    assert {c.type for c in client.chats.list()} == {"GROUP", "PRIVATE"}


def test_messages_page_back_with_before_id(client: Client, sandbox: Sandbox) -> None:
    other_id = sandbox.athlete_ids[1]
    ids = [client.chats.send(to_athlete_id=other_id, content=f"m{n}").id or 0 for n in range(5)]
    chat_id = client.chats.list()[0].id or 0
    first = client.chats.messages(chat_id, limit=2)
    assert [m.content for m in first] == ["m4", "m3"]
    rest = client.chats.messages(chat_id, before_id=first[-1].id)
    assert [m.id for m in rest] == list(reversed(ids[:3]))


async def test_async_edit_and_delete_only_your_own(async_client: AsyncClient,
                                                   sandbox: Sandbox) -> None:
    other_id = sandbox.athlete_ids[1]
    sent = await async_client.chats.send(to_athlete_id=other_id, content="typo")
    chat_id = sent.new_chat.id if sent.new_chat else 0
    await async_client.chats.update_message(chat_id or 0, sent.id or 0, content="fixed")
    [message] = await async_client.chats.messages(chat_id or 0)
    assert message.content == "fixed"
    async with sandbox.async_client(api_key=sandbox.api_key_for(other_id)) as other:
        with pytest.raises(PermissionDenied):
            await other.chats.update_message(chat_id or 0, sent.id or 0, content="mine now")
    await async_client.chats.delete_message(chat_id or 0, sent.id or 0)
    [gone] = await async_client.chats.messages(chat_id or 0)
    assert gone.deleted is not None
    assert gone.content == ""


def test_bad_messages_and_strangers(client: Client, sandbox: Sandbox) -> None:
    with pytest.raises(InvalidRequestError, match="chat_id"):
        client.chats.send(content="to nobody")
    with pytest.raises(InvalidRequestError, match="content"):
        client.chats.send(to_athlete_id=sandbox.athlete_ids[1])
    sent = client.chats.send(to_athlete_id=sandbox.athlete_ids[1], content="private")
    with sandbox.client(api_key=sandbox.api_key_for(sandbox.stranger_id)) as stranger, \
            pytest.raises(NotFound):
        stranger.chats.get(sent.new_chat.id if sent.new_chat else 0)
