# Generated from src/intervals_icu/_async/resources/custom_items.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Custom items: the athlete's charts, custom activity/wellness fields, streams and panels."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping

from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._sync.resources._base import Resource
from intervals_icu._http import RequestSpec
from intervals_icu.models import CustomItem, NewCustomItem
from intervals_icu.models._fields import CustomItemFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body
from intervals_icu.uploads import FileInput, file_part

__all__ = ["CustomItemsResource"]


class CustomItemsResource(Resource):
    def _path(self, suffix: str = "") -> str:
        return self._athlete_path(f"/custom-item{suffix}")

    @operation("listCustomItems")
    def list(self) -> builtins.list[CustomItem]:
        """All custom items, in display order (``index``)."""
        return self._client._request_list(
            RequestSpec("GET", self._path()), CustomItem,
        )

    @operation("getCustomItem")
    def get(self, item_id: int) -> CustomItem:
        return self._client._request_model(
            RequestSpec("GET", self._path(f"/{int(item_id)}")),
            CustomItem,
        )

    @operation("createCustomItem")
    def create(self, **fields: Unpack[CustomItemFields]) -> NewCustomItem:
        """A new item; ``type`` (e.g. ``"INPUT_FIELD"``) and ``name`` are required."""
        body = build_partial_body(CustomItem, fields, what="CustomItem")
        missing = [k for k in ("type", "name") if not body.get(k)]
        if missing:
            raise errors.InvalidRequestError(
                f"a custom item needs {' and '.join(missing)}, e.g. type='INPUT_FIELD', "
                "name='Sleep notes'. Nothing was sent.")
        return self._client._request_model(
            RequestSpec("POST", self._path(), json=body),
            NewCustomItem,
        )

    @operation("updateCustomItem")
    def update(self, item_id: int, **fields: Unpack[CustomItemFields]) -> CustomItem:
        """Change only the given fields."""
        return self._client._request_model(
            RequestSpec("PUT", self._path(f"/{int(item_id)}"),
                        json=build_partial_body(CustomItem, fields, what="CustomItem")),
            CustomItem,
        )

    @operation("deleteCustomItem")
    def delete(self, item_id: int) -> None:
        self._client._request_json(
            RequestSpec("DELETE", self._path(f"/{int(item_id)}"))
        )

    @operation("updateCustomItemIndexes")
    def reorder(self, order: Iterable[int] | Mapping[int, int]) -> None:
        """Set the display order: item ids in the order wanted, or ``{item_id: index}``."""
        pairs = (order.items() if isinstance(order, Mapping)
                 else ((item_id, index) for index, item_id in enumerate(order)))
        body = [{"id": int(item_id), "index": int(index)} for item_id, index in pairs]
        if not body:
            return
        self._client._request_json(
            RequestSpec("PUT", self._athlete_path("/custom-item-indexes"),
                        json=body)
        )

    @operation("updateCustomItemImage")
    def upload_image(self, item_id: int, file: FileInput, *,
                           filename: str | None = None) -> CustomItem:
        """Set the item's image from a .png/.jpg file (a path, bytes or binary file)."""
        part = file_part(file, default_name=filename or "image.png")
        if filename is not None:
            part = (filename, part[1], part[2])
        return self._client._request_model(
            RequestSpec("POST", self._path(f"/{int(item_id)}/image"),
                        files={"file": part}),
            CustomItem,
        )
