"""HTTP routes for operators: drafting, review, publication and withdrawal of catalog items."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, get, post, put
from litestar.params import Parameter

from backend.catalog import publishing, views
from backend.catalog.schemas import MANAGE_ERRORS as ERRORS
from backend.catalog.schemas import (
    ContentIn,
    ItemCreate,
    ManagedItem,
    PublishRequest,
    QueueOut,
    ReturnRequest,
    WithdrawRequest,
)
from backend.catalog.schemas import ItemCodePath as Code
from backend.lib.auth import Principal, staff_only

Number = Annotated[int, Parameter(ge=1, le=100_000, description="Version number.")]
TAGS = ["catalog management"]
guards = [staff_only]


@post(
    "/api/v1/catalog/items",
    summary="Create a catalog item",
    description=(
        "A new item of the provincial catalog (`scope` 440000, provincial operators) or of a city's "
        "catalog (city supervisors of that city, or provincial operators), with version 1 as a draft. "
        "A city item may `extends` a provincial item to add scenarios under it for that city; it can "
        "never remove or change provincial scenarios. Scenario names are unique across the catalog."
    ),
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def create_item(request: Request[Principal, Any, Any], data: ItemCreate) -> ManagedItem:
    code = await publishing.create_item(request.user, data)
    return await views.managed_item(request.user, code)


@get(
    "/api/v1/catalog/items/{code:str}/versions",
    summary="All versions of an item",
    description="Every version of the item, drafts and reviews included, newest first, with who did what.",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def item_versions(request: Request[Principal, Any, Any], code: Code) -> ManagedItem:
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions",
    summary="Draft a new version",
    description="The item's next version as a draft with this full content. An item has at most one draft or version in review (409 `catalog.version_open`).",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def new_version(request: Request[Principal, Any, Any], code: Code, data: ContentIn) -> ManagedItem:
    await publishing.new_version(request.user, code, data)
    return await views.managed_item(request.user, code)


@put(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}",
    summary="Edit a draft",
    description="Replaces the content of a draft. Versions in review or published cannot change (409 `catalog.illegal_transition`).",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def edit_draft(request: Request[Principal, Any, Any], code: Code, number: Number, data: ContentIn) -> ManagedItem:
    await publishing.edit_draft(request.user, code, number, data)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}/submit",
    summary="Submit a draft for review",
    description="draft -> review. Another operator then publishes it or sends it back.",
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def submit(request: Request[Principal, Any, Any], code: Code, number: Number) -> ManagedItem:
    await publishing.submit(request.user, code, number)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}/return",
    summary="Send a version back to draft",
    description="review -> draft, with the reviewer's reason in `returned_note`.",
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def send_back(request: Request[Principal, Any, Any], code: Code, number: Number, data: ReturnRequest) -> ManagedItem:
    await publishing.send_back(request.user, code, number, data.note)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}/publish",
    summary="Publish a version",
    description=(
        "review -> published, in effect from `effective_from` (default now; never in the past, 422 "
        "`catalog.effective_in_past`). The previous version ends then and stays in the history. "
        "The operator who submitted it cannot publish it (403 `catalog.same_reviewer`)."
    ),
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def publish(request: Request[Principal, Any, Any], code: Code, number: Number, data: PublishRequest) -> ManagedItem:
    await publishing.publish(request.user, code, number, data.effective_from)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/withdraw",
    summary="Withdraw an item",
    description=(
        "The item stops at `end` (default now; never in the past): scanners cannot verify its "
        "scenarios from then on, and a version scheduled for later never takes effect. Withdrawing a "
        "provincial item also ends the cities' extensions of it."
    ),
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def withdraw(request: Request[Principal, Any, Any], code: Code, data: WithdrawRequest) -> ManagedItem:
    await publishing.withdraw(request.user, code, data.end, data.reason)
    return await views.managed_item(request.user, code)


@get(
    "/api/v1/catalog/queue",
    summary="Drafts and versions in review",
    description="Open versions of the catalogs you may manage, oldest first: provincial operators see all, supervisors their city's.",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def review_queue(
    request: Request[Principal, Any, Any],
    # `scope` is a reserved handler argument in Litestar (the ASGI scope), hence the alias.
    catalog_scope: Annotated[
        str | None, Parameter(query="scope", pattern=r"^[0-9]{6}$", description="One catalog: 440000 or a city.")
    ] = None,
    status: Literal["draft", "review"] | None = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 100,
) -> QueueOut:
    return QueueOut(items=await views.queue(request.user, scope=catalog_scope, status=status, limit=limit))


MANAGE_ROUTES = [
    create_item,
    item_versions,
    new_version,
    edit_draft,
    submit,
    send_back,
    publish,
    withdraw,
    review_queue,
]
