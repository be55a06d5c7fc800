"""Log lines are JSON with the request id and never carry an identity number."""

import datetime as dt
import json
import logging

from backend.identity.documents import make_resident_id
from backend.lib.logs import JsonFormatter, request_id_var


def _line(msg, **extra):
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return JsonFormatter().format(record)


def test_identity_numbers_are_redacted_everywhere():
    number = make_resident_id("440106", dt.date(1990, 5, 17), 123)
    token = request_id_var.set("rid-1")
    try:
        line = _line(
            f"lookup for {number}", detail={"id": number}, as_int=int(number) if number[-1].isdigit() else 0, items=[number]
        )
    finally:
        request_id_var.reset(token)
    assert number not in line
    entry = json.loads(line)  # still valid JSON
    assert entry["request_id"] == "rid-1"
    assert "[redacted]" in entry["msg"]


def test_ordinary_values_untouched():
    entry = json.loads(_line("request", status=200, ms=1.5, path="/api/v1/me"))
    assert entry["status"] == 200 and entry["path"] == "/api/v1/me"
