"""GET /metrics: Prometheus metrics (request counts and latencies per route, process figures)."""

from __future__ import annotations

import os

from litestar import Response, get
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

EXAMPLE = '# HELP yikatong_requests_total Total requests.\nyikatong_requests_total{method="POST",path="/api/v1/verify",status_code="200",app_name="yikatong"} 1.0\n'


@get(
    "/metrics",
    summary="Prometheus metrics",
    description="Request counts, latencies and in-flight requests per route, in the Prometheus text format. "
    "With several workers, set PROMETHEUS_MULTIPROC_DIR so every worker's figures are merged. Example:\n\n"
    f"```\n{EXAMPLE}```",
    tags=["ops"],
    media_type=CONTENT_TYPE_LATEST,
)
async def metrics() -> Response[bytes]:
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
