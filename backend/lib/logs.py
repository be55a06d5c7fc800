"""Structured JSON logs carrying the request id; identity numbers are redacted on the way out."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid

from litestar.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_STD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "color_message"}


def _redact(text: str) -> str:
    # Imported lazily so logging works even before the identity feature loads.
    from backend.identity.protect import redact

    return redact(text)


def _clean(value: object) -> object:
    """Redact each value before serialising, so a line stays valid JSON."""
    if isinstance(value, str):
        return _redact(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**14:
        return _redact(str(value))  # a long number could be an identity number
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (float, bool, int)) or value is None:
        return value
    return _redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line; every string passes through the identity-number redactor."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps({k: _clean(v) for k, v in entry.items()}, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our access log replaces uvicorn's, which prints full URLs.
    logging.getLogger("uvicorn.access").disabled = True


access_log = logging.getLogger("yikatong.access")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Give each request an id (or accept a sane X-Request-ID), echo it, log one access line."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode())]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            # Path only, never the query string: queries could carry personal data.
            access_log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)

    return middleware
