"""Structured JSON logs carrying the request id; identity numbers are redacted on the way out."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_STD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "color_message"}


# What an identity number looks like is the identity feature's knowledge, and lib imports no
# feature: app and CLI start-up install its recognisers (install_redaction). Until then every run
# of 8 digits counts as one (every document number has one): too much is hidden, never too little.
_EIGHT_DIGITS = re.compile(r"[0-9]{8}", re.ASCII)
_DIGIT_RUNS = re.compile(r"[0-9]{8,}", re.ASCII)


def _redact_digit_runs(text: str) -> str:
    return _DIGIT_RUNS.sub("[redacted]", text)


def _has_digit_run(text: str) -> bool:
    return _EIGHT_DIGITS.search(text) is not None


_redact: Callable[[str], str] = _redact_digit_runs
_names_a_document: Callable[[str], bool] = _has_digit_run


def install_redaction(redact: Callable[[str], str], names_a_document: Callable[[str], bool]) -> None:
    """Use the identity feature's recognisers: `redact` replaces identity numbers in log text,
    `names_a_document` says whether a caller's X-Request-ID holds one (then it is not echoed)."""
    global _redact, _names_a_document
    _redact, _names_a_document = redact, names_a_document


def redact(text: str) -> str:
    """`text` with identity numbers hidden, by the recognisers installed (or every run of 8 digits)."""
    return _redact(text)


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
        # The request id is exempt: the middleware let it in only after checking it names no
        # document, and a redacted id could no longer be matched with the caller's.
        return json.dumps(
            {k: v if k == "request_id" and v == rid else _clean(v) for k, v in entry.items()},
            ensure_ascii=False,
            default=str,
        )


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


# What a caller's X-Request-ID may look like: ASCII, so the echoed header is byte for byte the one sent.
_SANE_ID = re.compile(r"[A-Za-z0-9-]{1,64}", re.ASCII)


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is sane and names no identity document, else a new one."""
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            if _SANE_ID.fullmatch(incoming) and not _names_a_document(incoming):
                return incoming
            break
    return uuid.uuid4().hex


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Give each request an id (or accept a sane X-Request-ID), echo it, log one access line.

    It wraps the whole app (backend/app.py), outside routing and the exception handlers, so
    404s, 405s and refusals by other middleware are logged with the status actually sent.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # servers send a plain str; ScopeType.HTTP costs an Enum lookup per request
            await app(scope, receive, send)
            return
        rid = _request_id(scope)
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        header = (b"x-request-id", rid.encode())
        started = time.perf_counter()
        status = 500  # what the server answers if the app fails without sending anything

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
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
