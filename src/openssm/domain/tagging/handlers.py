"""Tag API handlers: AddTagsToResource, RemoveTagsFromResource, ListTagsForResource."""

from __future__ import annotations

from typing import Any

from openssm.core.context import RequestContext
from openssm.domain.tagging.service import TagService
from openssm.protocol.registry import operation


class TagHandlers:
    def __init__(self, service: TagService) -> None:
        self._service = service

    @operation("AddTagsToResource")
    def add_tags_to_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        tags = {tag["Key"]: tag["Value"] for tag in params["Tags"]}
        self._service.add_tags(ctx.account_id, params["ResourceType"], params["ResourceId"], tags)
        return {}

    @operation("RemoveTagsFromResource")
    def remove_tags_from_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._service.remove_tags(
            ctx.account_id, params["ResourceType"], params["ResourceId"], params["TagKeys"]
        )
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        tags = self._service.list_tags(ctx.account_id, params["ResourceType"], params["ResourceId"])
        return {"TagList": tags}
