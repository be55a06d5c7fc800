"""GET /metrics: Prometheus metrics (request counts and latencies per route, process figures)."""

from __future__ import annotations

import hmac
import os
from typing import Any

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from backend.lib.auth import OWN_AUTH_OPT
from backend.lib.errors import ApiError
from backend.lib.settings import Settings

EXAMPLE = '# HELP yikatong_requests_total Total requests.\nyikatong_requests_total{method="POST",path="/api/v1/verify",status_code="200",app_name="yikatong"} 1.0\n'


def _check_access(request: Request[Any, Any, Any], settings: Settings) -> None:
    """With YIKATONG_METRICS_TOKEN, only its bearer gets in. Without one the figures (routes,
    traffic, error rates: a map for an attacker) are only for dev and test; in prod the route
    is absent. Not "loopback only": behind a proxy on the same machine every caller is loopback."""
    token = settings.metrics_token
    if token:
        presented = request.headers.get("authorization", "")
        if presented[:7].lower() != "bearer " or not hmac.compare_digest(presented[7:].strip().encode(), token.encode()):
            raise ApiError(401, "metrics.token_required", "Present the metrics token as a bearer token.")
    elif settings.env == "prod":
        raise ApiError(404, "route.not_found", "There is nothing at this address.")


@get(
    "/metrics",
    summary="Prometheus metrics",
    description="Request counts, latencies and in-flight requests per route, in the Prometheus text format. "
    "With `YIKATONG_METRICS_TOKEN` set, send it as `Authorization: Bearer <token>`; without one, "
    "the route is open in dev and test and absent (404) in prod. "
    "With several workers, set PROMETHEUS_MULTIPROC_DIR so every worker's figures are merged. Example:\n\n"
    f"```\n{EXAMPLE}```",
    tags=["ops"],
    media_type=CONTENT_TYPE_LATEST,
    opt={OWN_AUTH_OPT: True},  # the bearer here is the metrics token, not an account's
)
async def metrics(request: Request[Any, Any, Any], settings: Settings) -> Response[bytes]:
    _check_access(request, settings)
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
