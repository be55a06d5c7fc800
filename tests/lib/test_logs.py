"""Log lines are JSON with the request id and never carry an identity number."""

import datetime as dt
import json
import logging

import pytest

from backend.identity import protect
from backend.identity.documents import make_resident_id
from backend.lib import logs
from backend.lib.logs import JsonFormatter, request_id_var


@pytest.fixture(autouse=True)
def identity_recognisers():
    """As the app and the CLI do at start-up: lib/logs learns identity numbers from identity."""
    logs.install_redaction(protect.redact, protect.names_a_document)


def test_before_installation_every_digit_run_is_hidden(monkeypatch):
    """Until the identity feature installs its recognisers, logs hide too much, never too little."""
    monkeypatch.setattr(logs, "_redact", logs._redact_digit_runs)
    monkeypatch.setattr(logs, "_names_a_document", logs._has_digit_run)
    number = make_resident_id("440106", dt.date(1990, 5, 17), 123)
    assert number not in _line(f"lookup for {number}")
    assert logs._names_a_document(f"req-{number}")


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
