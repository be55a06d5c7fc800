"""One error shape for every failure: {"error": {"code", "message", ...details}}."""

from __future__ import annotations

import errno
import logging
import socket
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.types import ASGIApp, ExceptionHandlersMap, Message, Receive, Scope, Send

log = logging.getLogger("yikatong.errors")


class ErrorBody(msgspec.Struct):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorResponse(msgspec.Struct):
    """The body of every 4xx/5xx answer."""

    error: ErrorBody
    request_id: str | None = None


class ApiError(Exception):
    """Raise from services; the handler turns it into a JSON answer with this status."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or None


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what}.not_found", f"No such {what.replace('_', ' ')}.")


def forbidden(code: str = "auth.forbidden", message: str = "You may not do this.") -> ApiError:
    return ApiError(403, code, message)


def _respond(
    request: Request[Any, Any, Any], status: int, body: ErrorBody, headers: dict[str, str] | None = None
) -> Response[ErrorResponse]:
    rid = request.scope.get("state", {}).get("request_id") if hasattr(request, "scope") else None
    return Response(ErrorResponse(error=body, request_id=rid), status_code=status, headers=headers)


def handle_api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[ErrorResponse]:
    headers = None
    if exc.details and "retry_after" in exc.details:
        headers = {"Retry-After": str(exc.details["retry_after"])}
    return _respond(request, exc.status, ErrorBody(exc.code, exc.message, exc.details), headers)


def _validation_code(exc: ValidationException) -> tuple[str, str]:
    text = f"{exc.detail} {exc.extra}".lower()
    if "unknown field" in text:
        return "request.unknown_field", "The request has a field this endpoint does not accept."
    if "malformed" in text or "decode" in text or "utf-8" in text:
        return "request.bad_encoding", "The request body is not valid UTF-8 JSON."
    if isinstance(exc.extra, list) and any(isinstance(e, dict) and e.get("message") == "'data'" for e in exc.extra):
        # Litestar's way of saying the body is absent altogether.
        return "request.body_missing", "This endpoint needs a JSON body."
    return "request.invalid", "The request does not match what this endpoint expects."


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorResponse]:
    code, message = _validation_code(exc)
    details: dict[str, Any] = {"detail": str(exc.detail)}
    if isinstance(exc.extra, (list, dict)) and exc.extra:
        details["errors"] = exc.extra
    return _respond(request, 400, ErrorBody(code, message, details))


_HTTP_CODES = {
    401: ("auth.required", "Sign in or present valid credentials."),
    403: ("auth.forbidden", "You may not do this."),
    404: ("route.not_found", "There is nothing at this address."),
    405: ("route.method_not_allowed", "This address does not accept that method."),
    413: ("request.too_large", "The request body is too large."),
    415: ("request.unsupported_media_type", "Send the body as application/json."),
    429: ("rate.limited", "Too many requests; slow down."),
}


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorResponse]:
    if exc.status_code >= 500:
        # Raised by the framework itself (a fault on our side, not the request's): logged and
        # answered like any unexpected error, never as a `request.*` code.
        return handle_unexpected(request, exc)
    code, message = _HTTP_CODES.get(exc.status_code, ("request.invalid", str(exc.detail)))
    if exc.status_code == 400:
        code, message = "request.invalid", str(exc.detail) or "Bad request."
        lowered = message.lower()
        if "malformed" in lowered or "decode" in lowered or "utf-8" in lowered:
            code = "request.bad_encoding"
    if (
        isinstance(exc, (NotAuthorizedException, PermissionDeniedException))
        and exc.detail
        and exc.detail
        not in (
            "Unauthorized",
            "Forbidden",
        )
    ):
        message = str(exc.detail)
    return _respond(request, exc.status_code, ErrorBody(code, message), exc.headers)


def handle_bad_text(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[ErrorResponse]:
    # msgspec raises this (not a DecodeError) for invalid UTF-8 inside a JSON string.
    return _respond(request, 400, ErrorBody("request.bad_encoding", "The request body is not valid UTF-8 JSON."))


def handle_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorResponse]:
    # The database or the shared store cannot be reached: nothing was decided, so say "try again"
    # (503 with Retry-After) rather than "we failed" (500), and let load balancers see it.
    log.error("a backing service is unreachable", extra={"path": request.url.path, "error": type(exc).__name__})
    body = ErrorBody("service.unavailable", "The service cannot reach its database or store right now; try again shortly.")
    return _respond(request, 503, body, {"Retry-After": "5"})


def _unavailable_errors() -> tuple[type[Exception], ...]:
    """Errors that mean "could not reach PostgreSQL or Redis", not a fault in a request.

    PostgreSQL's SQLSTATE classes 08 (connection exception), 57 (operator intervention: shutting
    down, starting up, crash recovery, our backend terminated, a statement cancelled) and 53
    (insufficient resources: no connection slot left, out of memory, disk full) all say the
    server is going away, coming back or full. TimeoutError: something we wait on (asyncpg's
    connect timeout) did not answer in time."""
    from asyncpg.exceptions import InsufficientResourcesError, OperatorInterventionError, PostgresConnectionError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (
        ConnectionError,
        TimeoutError,
        RedisConnectionError,
        RedisTimeoutError,
        PostgresConnectionError,
        OperatorInterventionError,
        InsufficientResourcesError,
    )


_UNAVAILABLE = _unavailable_errors()
# asyncpg's InterfaceError texts for a connection or pool that is gone (the server ended it, or
# the worker is stopping): "connection is closed", "the underlying connection is closed",
# "connection was closed in the middle of operation", "pool is closed|closing", and "released
# back to the pool", which a connection the server terminated inside a transaction answers.
_GONE = ("connection is closed", "connection was closed", "pool is clos", "released back to the pool")
_UNREACHABLE = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.ETIMEDOUT,
    errno.EPIPE,
    errno.ENOTCONN,
    errno.EADDRNOTAVAIL,
}


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from or while handling, means a backing service
    could not be reached. Beyond the classes above: a plain OSError from connecting (a name that
    does not resolve; "Multiple exceptions: ... Connect call failed" when a host has several
    addresses), asyncpg's InterfaceError for a connection or pool that is gone, and its
    InternalClientError for a connection the server ended under it."""
    from asyncpg.exceptions import InterfaceError, InternalClientError

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _UNAVAILABLE):
            return True
        if isinstance(exc, OSError) and (
            isinstance(exc, socket.gaierror) or exc.errno in _UNREACHABLE or "Connect call failed" in str(exc)
        ):
            return True
        if isinstance(exc, InterfaceError) and any(text in str(exc) for text in _GONE):
            return True
        if isinstance(exc, InternalClientError) and "cannot switch to state" in str(exc):
            # A pooled connection the server ended while idle: asyncpg may read the server's
            # FATAL notice as an operation in progress before it sees the socket close, and the
            # next query on it fails so. The pool replaces the closed connection after that.
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorResponse]:
    if is_unavailable(exc):
        return handle_unavailable(request, exc)
    log.exception("unhandled error", extra={"path": request.url.path})
    return _respond(request, 500, ErrorBody("server.error", "Something went wrong on our side; it has been logged."))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ApiError: handle_api_error,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    UnicodeDecodeError: handle_bad_text,
    **{error: handle_unavailable for error in _UNAVAILABLE},
    Exception: handle_unexpected,
}


async def answer_from_middleware(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """Answer an exception raised by one of our middlewares before it called the app, through
    that middleware's own `send`. Raising it instead would reach Litestar's app-level handler,
    outside every middleware: the metrics would never see the status it answers."""
    handler = next((EXCEPTION_HANDLERS[cls] for cls in type(exc).__mro__ if cls in EXCEPTION_HANDLERS), handle_unexpected)
    request: Request[Any, Any, Any] = Request(scope, receive, send)
    response = handler(request, exc)
    await response.to_asgi_response(app=None, request=request)(scope, receive, send)


def middleware_errors(app: ASGIApp) -> ASGIApp:
    """Listed right after the Prometheus middleware: answers here what the middleware after it
    raise (the auth middleware's 401/403, the request rules' 400/415, an outage while resolving
    a token). Litestar answers handlers' errors inside the route, but a middleware's only in its
    app-level handler, outside every middleware: the metrics would count those as 200s."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, receive, watched)
        except Exception as exc:
            if started or scope["type"] != "http":  # type: ignore[comparison-overlap]  # servers send a plain str; ScopeType.HTTP costs an Enum lookup per request
                raise  # half an answer is out: nothing sane can follow it
            await answer_from_middleware(scope, receive, send, exc)

    return middleware


# For OpenAPI: the error responses most operations can give.
ERROR_EXAMPLE = {"error": {"code": "card.illegal_transition", "message": "...", "details": None}, "request_id": "..."}
