"""Structured JSON logs carrying the request id; identity numbers are redacted on the way out."""

from __future__ import annotations

import contextvars
import json
import logging
import re
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
# Places in an id where an identity document number could sit (checked strictly below).
_EIGHTEEN = re.compile(r"(?=([0-9]{17}[0-9Xx]))", re.ASCII)
_HK_MO = re.compile(r"(?<![A-Za-z0-9])[HMhm][0-9]{8}(?:[0-9]{2})?(?![0-9])", re.ASCII)
_OLD_FOREIGN = re.compile(r"(?<![A-Za-z])[A-Za-z]{3}[0-9]{12}(?![0-9])", re.ASCII)
_EIGHT_DIGITS = re.compile(r"[0-9]{8}", re.ASCII)


def _names_a_document(rid: str) -> bool:
    """True when the id holds a number that is a valid identity document number (real region,
    real birth date, check digit), not merely 18 digits whose last one happens to check out."""
    if not _EIGHT_DIGITS.search(rid):  # the common case: every document number has 8 digits in a row
        return False
    # Lazily, like the redactor: lib must not need the identity feature to import.
    from backend.identity.documents import DocType, DocumentError, validate

    candidates = [
        (m.group(1), kind)
        for m in _EIGHTEEN.finditer(rid)
        for kind in (DocType.resident_id, DocType.hmt_residence_permit, DocType.foreign_permanent_residence)
    ]
    candidates += [(m.group(), DocType.hk_mo_travel_permit) for m in _HK_MO.finditer(rid)]
    candidates += [(m.group(), DocType.foreign_permanent_residence) for m in _OLD_FOREIGN.finditer(rid)]
    for number, kind in candidates:
        try:
            validate(kind, number)
        except DocumentError:
            continue
        return True
    return False


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
        if scope["type"] != "http":
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
