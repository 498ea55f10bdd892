"""The WebSub hub's endpoint: ``POST /v1/websub`` (see ``websub`` for the protocol)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Request, Response
from pydantic import BaseModel

from danvan_publish import websub
from danvan_shared.db import session_scope
from danvan_shared.http import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1", tags=["websub"])
FORM = "application/x-www-form-urlencoded"


def _verify(request: websub.HubRequest) -> None:
    with session_scope() as session:
        websub.verify_intent(request, session)


@router.post(
    websub.HUB_PATH.removeprefix("/v1"),
    status_code=202,
    summary="WebSub hub: subscribe to or unsubscribe from a feed of this service",
    description=(
        "Form-encoded (`application/x-www-form-urlencoded`) as W3C WebSub §5.1 defines: "
        "`hub.mode` (subscribe or unsubscribe), `hub.topic` (a feed's URL as its "
        '`rel="self"` link gives it: `/v1/feeds/…`, `/v1/coverage/…/….atom` or '
        "`/v1/search.atom?q=…`), `hub.callback`, and optionally `hub.lease_seconds` and "
        "`hub.secret` (signs deliveries: `X-Hub-Signature: sha256=…`). Answered 202; the "
        "hub then verifies the intent by a GET to the callback with `hub.challenge`, which "
        "the callback must echo. Each change of the topic is then POSTed to the callback."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "required": ["hub.mode", "hub.topic", "hub.callback"],
                        "properties": {
                            "hub.mode": {"type": "string", "enum": ["subscribe", "unsubscribe"]},
                            "hub.topic": {"type": "string", "format": "uri"},
                            "hub.callback": {"type": "string", "format": "uri"},
                            "hub.lease_seconds": {"type": "integer", "minimum": 1},
                            "hub.secret": {"type": "string", "maxLength": 199},
                        },
                    }
                }
            },
        }
    },
    responses={
        202: {"description": "Accepted: the callback will be asked to confirm"},
        400: {**PROBLEM_RESPONSES[422], "description": "Bad Request (which parameter, and why)"},
        413: PROBLEM_RESPONSES[413],
        415: PROBLEM_RESPONSES[415],
    },
)
async def hub(request: Request, background: BackgroundTasks) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise ProblemError(415, f"Send the hub parameters as {FORM}.")
    form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    asked = websub.hub_request(form)
    background.add_task(_verify, asked)
    return Response(status_code=202)


class HubDescription(BaseModel):
    hub: str
    protocol: str = "https://www.w3.org/TR/websub/"
    subscribe: str = (
        "POST this URL, form-encoded: hub.mode=subscribe, hub.topic=<a feed's rel=self URL>, "
        "hub.callback=<your URL>, optionally hub.lease_seconds and hub.secret"
    )
    topics: list[str] = [
        "/v1/feeds/{province}/{period}.{rss|atom|json}",
        "/v1/coverage/{province}/{period}.atom",
        "/v1/search.atom?q=…",
    ]


@router.get(
    websub.HUB_PATH.removeprefix("/v1"),
    response_model=HubDescription,
    summary="What the WebSub hub is and how to subscribe (the feeds link here as rel=hub)",
)
def describe_hub() -> HubDescription:
    return HubDescription(hub=websub.hub_url())
