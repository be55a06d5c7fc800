"""The access log and the X-Request-ID header tell the truth about every answer: refusals made by
the auth middleware, unrouted requests, and request ids that happen to look like numbers."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

import pytest

from backend.identity.documents import check_digit, make_resident_id
from backend.lib.logs import JsonFormatter
from tests.accounts.helpers import bearer, citizen

pytestmark = pytest.mark.anyio


class _Lines(logging.Handler):
    """Formats each record as it is emitted, like production's handler (the request id is
    read from its context variable at that moment)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def access(self, rid: str) -> dict:
        found = [json.loads(line) for line in self.lines if json.loads(line).get("request_id") == rid]
        found = [entry for entry in found if entry["logger"] == "yikatong.access"]
        assert len(found) == 1, self.lines
        return found[0]


@pytest.fixture
def log_lines():
    handler = _Lines()
    logger = logging.getLogger("yikatong")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _rid() -> str:
    return f"t-{uuid.uuid4().hex}"


async def test_bad_token_is_logged_as_401_with_its_request_id(client, log_lines):
    rid = _rid()
    response = await client.get("/health", headers={"Authorization": "Bearer nonsense", "X-Request-ID": rid})
    assert response.status_code == 401
    assert response.headers.get("x-request-id") == rid
    assert response.json()["request_id"] == rid
    entry = log_lines.access(rid)
    assert entry["status"] == 401 and entry["path"] == "/health"


async def test_missing_token_on_a_middleware_checked_route_is_logged_as_401(client, log_lines):
    rid = _rid()
    response = await client.post("/api/v1/verify", json={"code": "x", "scenario": "library_entry"}, headers={"X-Request-ID": rid})
    assert response.status_code == 401
    assert response.headers.get("x-request-id") == rid
    assert log_lines.access(rid)["status"] == 401


async def test_wrong_role_is_logged_as_403(client, log_lines):
    _, token = await citizen(client)
    rid = _rid()
    response = await client.post(
        "/api/v1/verify", json={"code": "x", "scenario": "library_entry"}, headers={**bearer(token), "X-Request-ID": rid}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.wrong_role"
    assert response.headers.get("x-request-id") == rid
    assert log_lines.access(rid)["status"] == 403


async def test_unrouted_requests_are_logged_and_carry_the_id(client, log_lines):
    rid = _rid()
    response = await client.get("/no/such/thing", headers={"X-Request-ID": rid})
    assert response.status_code == 404
    assert response.headers.get("x-request-id") == rid
    assert response.json()["request_id"] == rid
    assert log_lines.access(rid)["status"] == 404
    rid = _rid()
    response = await client.delete("/health", headers={"X-Request-ID": rid})
    assert response.status_code == 405
    assert response.headers.get("x-request-id") == rid
    assert log_lines.access(rid)["status"] == 405


def _checksummed(first17: str) -> str:
    """18 digits with a valid GB 11643 check digit that are no real identity number (the
    "birth date" in them is not a date)."""
    digit = check_digit(first17)
    assert digit != "X"
    return first17 + digit


# 17 digits whose check digit is a digit, with an impossible birth date (month 34).
DIGITS = _checksummed("12345678903412345")


@pytest.mark.parametrize(
    "rid",
    [
        "abcdef" + DIGITS + "abcdef0123",  # a hex id (uuid-like) holding 18 digits by chance
        "req-" + DIGITS,  # a numeric trace id with a prefix
        DIGITS + "7",  # a 19-digit snowflake-style id
    ],
)
async def test_request_ids_that_look_like_numbers_come_through_intact(client, log_lines, rid):
    number = make_resident_id("440106", dt.date(1990, 5, 17), 123)
    response = await client.get(f"/wallet/{number}.js", headers={"X-Request-ID": rid})
    assert response.headers.get("x-request-id") == rid
    assert response.json()["request_id"] == rid
    entry = log_lines.access(rid)
    assert entry["request_id"] == rid
    line = json.dumps(entry)
    assert number not in line  # the path carried an identity number: still redacted


async def test_a_request_id_that_is_an_identity_number_is_replaced(client, log_lines):
    number = make_resident_id("440106", dt.date(1990, 5, 17), 123)
    with_x = next(n for n in (make_resident_id("440106", dt.date(1990, 5, 17), s) for s in range(1000)) if n.endswith("X"))
    for sent in (number, f"req-{number}", with_x.lower(), "H12345678"):
        response = await client.get("/health", headers={"X-Request-ID": sent})
        rid = response.headers.get("x-request-id")
        assert rid and sent[:9] not in rid
        assert sent[:9] not in "".join(log_lines.lines)
        assert log_lines.access(rid)["status"] == 200


def test_formatter_keeps_the_request_id_and_redacts_the_rest():
    from backend.lib.logs import request_id_var

    number = make_resident_id("440106", dt.date(1990, 5, 17), 123)
    rid = "abcdef" + DIGITS + "abcdef0123"
    token = request_id_var.set(rid)
    try:
        record = logging.LogRecord("t", logging.INFO, __file__, 1, f"for {number} in {rid}", (), None)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert entry["request_id"] == rid
    assert number not in entry["msg"]
