"""Request-shape rules: JSON media type, no body where none is taken, no NUL in text, JSON depth, no duplicate keys."""

# Two halves, one set of rules. `body_rules_middleware` decides from the path, the query and the
# headers, before a byte of the body is read. `JsonRequest.json` (the app's request class) checks the
# JSON text that Litestar decodes for a `data` parameter, once, next to the decoding it already does.

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.lib.errors import ApiError

MAX_DEPTH = 32  # containers inside one another; request schemas nest four at most

_TAKES = "yk_body"  # route opt: what the handler takes ("json", "other" or None), worked out once
T = TypeVar("T")
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # \u0000 after an even run of backslashes


def _nul(where: str) -> ApiError:
    # PostgreSQL text cannot hold U+0000 and SQLite would store it silently: one rule for both.
    return ApiError(400, "request.nul_character", "Text may not contain the NUL character (U+0000).", where=where)


def _too_deep() -> ApiError:
    return ApiError(400, "request.too_deep", f"The JSON body nests deeper than {MAX_DEPTH} levels.", max_depth=MAX_DEPTH)


# --- before the body: path, query and headers -------------------------------------------


def _what_it_takes(handler: Any) -> str | None:
    """'json' for a JSON `data` parameter, 'other' for a form or raw body (left to Litestar), None
    for no body at all."""
    params = handler.parsed_fn_signature.parameters
    if "body" in params:
        return "other"
    data = params.get("data")
    if data is None:
        return None
    media = getattr(data.kwarg_definition, "media_type", None)
    return "other" if media is not None and str(getattr(media, "value", media)) != "application/json" else "json"


def _is_json(media: bytes) -> bool:
    if media == b"application/json":
        return True
    kind, _, params = media.partition(b";")
    kind = kind.strip().lower()
    if kind != b"application/json" and not (kind.startswith(b"application/") and kind.endswith(b"+json")):
        return False
    for param in params.split(b";"):
        name, _, value = param.partition(b"=")
        if name.strip().lower() == b"charset" and value.strip().strip(b'"').lower() not in (b"utf-8", b"utf8"):
            return False  # JSON is UTF-8 (RFC 8259 §8.1); anything else would be read wrongly
    return True


def _refusal(scope: Scope) -> ApiError | None:
    query = scope["query_string"]
    if "\x00" in scope["path"]:
        return _nul("path")
    if b"%00" in query or b"\x00" in query:  # "%00" can only mean a NUL: "%" itself is "%25"
        return _nul("query")
    handler = scope.get("route_handler")
    if handler is None:
        return None
    takes = handler.opt.get(_TAKES, False)
    if takes is False:
        takes = handler.opt[_TAKES] = _what_it_takes(handler)
    length = media = None
    announced = False  # a body follows: a Content-Length above 0, or any Transfer-Encoding (chunked)
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = value
        elif name == b"content-type":
            media = value
        elif name == b"transfer-encoding":
            announced = True
    if length is not None and length != b"0":
        try:
            announced = announced or int(length) > 0
        except ValueError:
            return ApiError(400, "request.invalid", "The Content-Length header is not a number.")
    if not announced:
        return None  # no body: a missing required one is Litestar's `request.body_missing`
    if takes is None:
        # Decided from the headers: the body is never received, however large it is announced.
        return ApiError(400, "request.body_not_allowed", "This endpoint takes no request body.")
    if takes == "json" and (media is None or not _is_json(media)):
        return ApiError(415, "request.unsupported_media_type", "Send the body as application/json.")
    return None


def body_rules_middleware(app: ASGIApp) -> ASGIApp:
    """Refuse, before reading the body: NUL in the path or query, a body where the route takes
    none, and a body whose Content-Type is not JSON where the route takes JSON."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (refusal := _refusal(scope)) is not None:  # type: ignore[comparison-overlap]  # servers send a plain str; ScopeType.HTTP costs an Enum lookup per request
            # Who may call comes first (401/403 before 400/415), as for every other refusal:
            # the route's guards, which Litestar would run next, are run here for this request only.
            handler = scope.get("route_handler")
            if handler is not None and handler.resolve_guards():
                await handler.authorize_connection(ASGIConnection(scope))
            raise refusal  # answered by the app's error handlers
        await app(scope, receive, send)

    return middleware


# --- the JSON body ----------------------------------------------------------------------


def _strings(value: Any, depth: int) -> int:
    """How many strings (keys and values) a decoded container holds; refuses what nests too deep."""
    if depth > MAX_DEPTH:
        raise _too_deep()
    if type(value) is dict:
        count = len(value)
        items: Any = value.values()
    else:
        count = 0
        items = value
    for item in items:
        kind = type(item)
        if kind is str:
            count += 1
        elif kind is dict or kind is list:
            count += _strings(item, depth + 1)
    return count


def check_json(body: bytes, value: Any) -> None:
    """Refuse a decoded JSON body that nests too deep or repeats a key within an object.

    Duplicates without a second parse: every string of the text (key or value) has two unescaped
    quotes, so the text holds `quotes / 2` strings. Decoding keeps one pair per distinct key, so
    the decoded value holds as many strings only if no key was dropped. Keys that differ only in
    their escapes ("a" and "\\u0061") collapse when decoded, so they count as the duplicates they are.
    """
    kind = type(value)
    if kind is dict or kind is list:
        strings = _strings(value, 1)
    else:
        strings = 1 if kind is str else 0
    quotes = body.count(b'"')
    if b"\\" in body:
        # Without the escaped backslashes, every backslash left escapes the character after it.
        text = body.replace(b"\\\\", b"")
        quotes = text.count(b'"') - text.count(b'\\"')
    if quotes != 2 * strings:
        raise ApiError(400, "request.duplicate_key", "A JSON object in the body has the same key twice.")


def decode_json(body: bytes, content_type: str | None, kind: type[T]) -> T:
    """A raw JSON body (a handler that reads `body: bytes`, e.g. to check a signature over it first)
    decoded into `kind` by the same rules and error codes as a `data` parameter."""
    if not body:
        raise ApiError(400, "request.body_missing", "This endpoint needs a JSON body.")
    if content_type is None or not _is_json(content_type.encode("latin-1", "replace")):
        raise ApiError(415, "request.unsupported_media_type", "Send the body as application/json.")
    if b"\\u0000" in body and _NUL_ESCAPE.search(body):
        raise _nul("body")
    try:
        check_json(body, msgspec.json.decode(body))
        return msgspec.json.decode(body, type=kind, strict=True)
    except RecursionError:
        raise _too_deep() from None
    except msgspec.ValidationError as error:
        if "unknown field" in str(error).lower():
            raise ApiError(
                400, "request.unknown_field", "The request has a field this endpoint does not accept.", detail=str(error)
            ) from None
        raise ApiError(
            400, "request.invalid", "The request does not match what this endpoint expects.", detail=str(error)
        ) from None
    except msgspec.DecodeError:
        raise ApiError(400, "request.bad_encoding", "The request body is not valid UTF-8 JSON.") from None


class JsonRequest(Request[Any, Any, Any]):
    """The app's request class: the JSON body is checked where Litestar decodes it."""

    async def json(self) -> Any:
        body = await self.body()
        if b"\\u0000" in body and _NUL_ESCAPE.search(body):
            raise _nul("body")
        try:
            value = await super().json()
        except RecursionError:  # the decoder's own guard, for text nested hundreds deep
            raise _too_deep() from None
        check_json(body, value)
        _check_strictly(self.scope, value)
        return value


_STRICT = "yk_body_type"  # route opt: the `data` annotation, looked up once per handler
_NO_TYPE = object()


def _whole_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [_whole_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_floats_as_ints(item) for key, item in value.items()}
    return value


def _check_strictly(scope: Scope, value: Any) -> None:
    """JSON types as the schema states them. Litestar converts `data` leniently (msgspec with
    strict=False), so a bare number passed for a date-time (read as seconds since 1970) and "5"
    for an integer: the documented contract and what the service accepted disagreed. The value
    is converted strictly once more (a microsecond for a scan's body) and refused if it fails."""
    handler = scope.get("route_handler")
    if handler is None:
        return
    annotation = handler.opt.get(_STRICT)
    if annotation is None:
        data = handler.parsed_fn_signature.parameters.get("data")
        annotation = handler.opt[_STRICT] = data.annotation if data is not None else _NO_TYPE
    if annotation is _NO_TYPE:
        return
    try:
        msgspec.convert(value, type=annotation, strict=True)
    except msgspec.ValidationError as error:
        try:
            msgspec.convert(value, type=annotation, strict=False)
        except msgspec.ValidationError:
            return  # wrong either way: Litestar's own answer names the problem (unknown field...)
        try:
            # JSON Schema's integer is a number without a fractional part: 20.0 is one (and
            # Litestar's conversion makes it 20). Only on this slow path, never for a valid body.
            msgspec.convert(_whole_floats_as_ints(value), type=annotation, strict=True)
            return
        except msgspec.ValidationError:
            pass
        raise ApiError(
            400, "request.invalid", "The request does not match what this endpoint expects.", detail=str(error)
        ) from None
    except TypeError:  # a type msgspec cannot convert by itself: Litestar's own conversion decides
        handler.opt[_STRICT] = _NO_TYPE
