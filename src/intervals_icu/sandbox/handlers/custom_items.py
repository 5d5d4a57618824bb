"""Custom items: the athlete's charts, custom fields, streams, panels and zones."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.state import AthleteStore

_PROTECTED = ("id", "athlete_id", "updated", "usage_count", "from_athlete", "from_id",
              "required_items_created")
_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _ordered(store: AthleteStore) -> list[dict[str, Any]]:
    def position(item: dict[str, Any]) -> tuple[int, int]:
        index = item.get("index")
        return (int(index) if index is not None else 1 << 30), int(item["id"])

    return sorted(store.custom_items.values(), key=position)


def _item(ctx: Ctx, store: AthleteStore) -> dict[str, Any]:
    try:
        item_id = int(ctx.params["itemId"])
    except ValueError:
        raise ApiError(422, f"Invalid custom item id: {ctx.params['itemId']}") from None
    item = store.custom_items.get(item_id)
    if item is None:
        raise ApiError(404, f"Custom item not found: {item_id}")
    return item


@handles("listCustomItems")
def list_items(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(_ordered(store))


@handles("getCustomItem")
def get_item(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(_item(ctx, store))


@handles("createCustomItem")
def create_item(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    body = ctx.json_object()
    validate_patch("CustomItem", body)
    if not body.get("type"):
        raise ApiError(422, "type is required (FITNESS_CHART, INPUT_FIELD, ...)")
    if not body.get("name"):
        raise ApiError(422, "name is required")
    item: dict[str, Any] = {
        "id": ctx.state.new_id("custom-item", store.custom_items), "athlete_id": athlete_id,
        "visibility": "PRIVATE", "usage_count": 0,
        "index": max((int(i.get("index") or 0) for i in store.custom_items.values()),
                     default=-1) + 1,
    }
    apply_patch("CustomItem", item, {k: v for k, v in body.items() if k not in _PROTECTED})
    item["updated"] = ctx.state.now_stamp()
    store.custom_items[item["id"]] = item
    return {**copy.deepcopy(item), "required_items_created": []}


@handles("updateCustomItem")
def update_item(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    item = _item(ctx, store)
    body = ctx.json_object()
    validate_patch("CustomItem", body)
    if apply_patch("CustomItem", item, {k: v for k, v in body.items() if k not in _PROTECTED}):
        item["updated"] = ctx.state.now_stamp()
    return copy.deepcopy(item)


@handles("deleteCustomItem")
def delete_item(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    item = _item(ctx, store)
    del store.custom_items[item["id"]]
    store.extra.get("custom_item_images", {}).pop(item["id"], None)
    return None


@handles("updateCustomItemIndexes")
def reorder(ctx: Ctx) -> Any:
    """Each ``{id, index}`` in the body sets that item's position."""
    _athlete_id, store = ctx.store()
    moves = []
    for entry in ctx.json_list():
        if not isinstance(entry, dict) or entry.get("id") is None or entry.get("index") is None:
            raise ApiError(422, "Each item needs its id and its new index")
        item = store.custom_items.get(int(entry["id"]))
        if item is None:
            raise ApiError(404, f"Custom item not found: {entry['id']}")
        moves.append((item, int(entry["index"])))
    now = ctx.state.now_stamp()
    for item, index in moves:
        if item.get("index") != index:
            item["index"] = index
            item["updated"] = now
    return None


@handles("updateCustomItemImage")
def upload_image(ctx: Ctx) -> Any:
    """Multipart ``file``; the item's ``image`` becomes a URL naming the stored image."""
    _athlete_id, store = ctx.store()
    item = _item(ctx, store)
    upload = ctx.file()
    if upload.content_type and upload.content_type not in _IMAGE_TYPES:
        raise ApiError(422, f"Unsupported image type: {upload.content_type} (use png, jpeg, "
                            "gif or webp)")
    digest = hashlib.sha256(upload.content).hexdigest()[:16]
    store.extra.setdefault("custom_item_images", {})[item["id"]] = upload.content
    item["image"] = f"https://intervals.icu/api/v1/image/custom-item/{item['id']}/{digest}"
    item["updated"] = ctx.state.now_stamp()
    return copy.deepcopy(item)
