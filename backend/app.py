"""The one place that assembles the Litestar app from the features."""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ControllerRouterHandler

from backend.accounts.services import resolve_principal
from backend.features import FEATURES, job_handlers, periodic_jobs
from backend.health.metrics import metrics
from backend.identity import protect
from backend.inbox import services as inbox
from backend.jobs import runner as jobs_runner
from backend.keys import deps as keys_deps
from backend.keys.keyring import DEV_PASSPHRASE, KeyStore
from backend.lib import db, deps
from backend.lib.auth import auth_middleware, install_step_up_window
from backend.lib.body import JsonRequest, body_rules_middleware
from backend.lib.errors import EXCEPTION_HANDLERS, middleware_errors
from backend.lib.headers import security_headers
from backend.lib.logs import install_redaction, request_id_middleware, setup_logging
from backend.lib.openapi import StrictStructSchemaPlugin, document
from backend.lib.openapi_tidy import TidyOpenAPIConfig
from backend.lib.settings import Settings, load_settings
from backend.lib.store import make_store
from backend.pwa_static import ROUTES as pwa_routes
from backend.pwa_static import vendor_url

log = logging.getLogger("yikatong.app")

DESCRIPTION = """Yikatong: the electronic social security card (电子社会保障卡) service.

Citizens apply for and manage their card and show a signed dynamic QR code; venues verify it
online or offline; agencies and banks connect through machine credentials. Every error answer
has the shape `{"error": {"code", "message", "details"}, "request_id"}`."""


def feature_routes() -> list[ControllerRouterHandler]:
    handlers: list[ControllerRouterHandler] = []
    for feature in FEATURES:
        try:
            module = importlib.import_module(f"backend.{feature}.routes")
        except ModuleNotFoundError as exc:
            if exc.name == f"backend.{feature}.routes" or exc.name == f"backend.{feature}":
                continue  # feature without HTTP routes
            raise
        handlers.extend(module.ROUTES)
    return handlers


def keystore_for(settings: Settings) -> KeyStore:
    passphrase = settings.key_passphrase
    if not passphrase and settings.env in ("dev", "test"):
        passphrase = DEV_PASSPHRASE
    return KeyStore(settings.keys_path, passphrase)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    keystore = keystore_for(settings)
    # Logs and request ids know identity numbers through the identity feature (lib imports none).
    install_redaction(protect.redact, protect.names_a_document)
    install_step_up_window(settings.step_up_seconds)  # how long a fresh factor counts (lib/auth.require_step_up)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # From the app's state, not this closure: a test may run the same app again on a store
        # prefix of its own (tests/conftest.py, app_for), and the handlers read the state too.
        settings: Settings = app.state.settings
        keystore: KeyStore = app.state.keystore
        store = make_store(settings.redis_url, settings.redis_prefix)
        app.state.store = store
        if settings.env in ("dev", "test"):
            keystore.init()  # dev convenience; production runs `yikatong keys init` once
        keystore.load()
        async with db.lifespan(settings):
            try:
                async with (
                    inbox.running(settings, keystore),  # the Web Push sender (docs/inbox.md)
                    jobs_runner.running(
                        settings, keystore, job_handlers(), periodic_jobs()
                    ),  # the embedded job worker (docs/jobs.md)
                ):
                    yield
            finally:
                await store.close()

    handlers = [*feature_routes(), *pwa_routes, metrics]
    prometheus = PrometheusConfig(app_name="yikatong", prefix="yikatong", group_path=True, exclude=["/metrics"])

    app = Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        dependencies={**deps.DEPENDENCIES, **keys_deps.DEPENDENCIES},
        # The request id middleware is not listed: it wraps the whole app, below.
        # middleware_errors answers the refusals of the middleware after it, inside the metrics.
        middleware=[prometheus.middleware, middleware_errors, auth_middleware, body_rules_middleware],
        request_class=JsonRequest,  # JSON bodies are checked where they are decoded (lib/body.py)
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[security_headers(behind_tls=settings.behind_tls)],  # every answer, even unrouted ones
        plugins=[StrictStructSchemaPlugin()],
        request_max_body_size=settings.max_body_bytes,
        cors_config=CORSConfig(allow_origins=settings.cors_origins.split(",")) if settings.cors_origins else None,
        openapi_config=TidyOpenAPIConfig(
            title="Yikatong API",
            version="1.0.0",
            description=DESCRIPTION,
            # Swagger UI from node_modules (pwa_static's /vendor/ allow-list): /schema works offline,
            # under versioned URLs that browsers keep for a year (docs/static.md).
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url=vendor_url("swagger-ui-dist/swagger-ui-bundle.js"),
                    css_url=vendor_url("swagger-ui-dist/swagger-ui.css"),
                    standalone_preset_js_url=vendor_url("swagger-ui-dist/swagger-ui-standalone-preset.js"),
                    favicon="<link rel='icon' type='image/png' href='/wallet/icons/icon-192.png'>",
                )
            ],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http", scheme="bearer", description="Session token (citizens, staff) or client credential (ykc_...)"
                    )
                }
            ),
            security=[{"bearer": []}],
            create_examples=True,  # every operation gets request/response examples; key ones are hand-written
        ),
        debug=False,
        logging_config=None,  # ours (lib/logs.py): JSON lines with request ids
    )
    document(app)  # error answers and security of every operation (lib/openapi.py)
    # Litestar runs listed middleware only once a route is found: wrapped around the whole app,
    # the request id and the access line also cover 404s, 405s and what the exception handlers answer.
    app.asgi_handler = request_id_middleware(app.asgi_handler)
    app.state.settings = settings
    app.state.keystore = keystore
    app.state.resolve_principal = resolve_principal
    return app


def app_from_env() -> Litestar:
    """Entry point for uvicorn workers (--factory)."""
    settings = load_settings()
    setup_logging(settings.log_level)
    app = create_app(settings)
    # What was built so far (routes, schemas, the OpenAPI model, imported modules) lives as long
    # as the worker: out of the collector's sight, full collections stop re-scanning it. Under
    # load this took about 60 % off the collector's time (docs/verification.md). Only here, in
    # the serving entry point: tests build many apps and must get their garbage collected.
    gc.collect()
    gc.freeze()
    return app
