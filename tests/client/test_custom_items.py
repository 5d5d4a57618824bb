"""Custom items through the client: CRUD, order, image upload."""

from __future__ import annotations

import pytest

from intervals_icu import AsyncClient, Client, InvalidRequestError, NotFound, Unprocessable

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_custom_item_crud(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="type"):
        client.custom_items.create(name="no type")
    made = client.custom_items.create(type="INPUT_FIELD", name="Sleep notes",
                                      content={"code": "SleepNotes", "type": "text"})
    assert made.id is not None
    assert made.required_items_created == []
    item = client.custom_items.get(made.id)
    assert (item.name, item.content) == ("Sleep notes", {"code": "SleepNotes", "type": "text"})
    changed = client.custom_items.update(made.id, description="how I slept")
    assert (changed.name, changed.description) == ("Sleep notes", "how I slept")
    client.custom_items.delete(made.id)
    with pytest.raises(NotFound):
        client.custom_items.get(made.id)


def test_reorder(client: Client) -> None:
    ids = [client.custom_items.create(type="FITNESS_CHART", name=f"chart {n}").id or 0
           for n in range(3)]
    client.custom_items.reorder(list(reversed(ids)))
    listed = [i.id for i in client.custom_items.list() if i.id in ids]
    assert listed == list(reversed(ids))
    client.custom_items.reorder({ids[0]: 0, ids[2]: 1, ids[1]: 2})
    assert [i.id for i in client.custom_items.list() if i.id in ids] == [ids[0], ids[2], ids[1]]


async def test_async_image_upload(async_client: AsyncClient) -> None:
    item = await async_client.custom_items.create(type="ACTIVITY_PANEL", name="Panel")
    with_image = await async_client.custom_items.upload_image(item.id or 0, PNG,
                                                              filename="panel.png")
    assert with_image.image
    assert with_image.image.startswith("https://")
    assert (await async_client.custom_items.get(item.id or 0)).image == with_image.image
    with pytest.raises(Unprocessable, match="image type"):
        await async_client.custom_items.upload_image(item.id or 0, b"%PDF", filename="x.pdf")
