"""Shared pieces of the key tests: a production-like passphrase, a device, and running the CLI."""

from __future__ import annotations

import pytest

from backend import cli
from backend.lib import ed25519

PASSPHRASE = "correct horse battery staple 2026"
CARD = bytes.fromhex("0011223344556677")
DEVICE_SEED = bytes(range(32))
DEVICE_PUB = ed25519.public_from_seed(DEVICE_SEED)
# credential_hours + credential_slot_hours defaults + clock skew, what the CLI passes: a batch's
# last slot starts before now + 12 h and lasts 3 h more (codes.batches).
MAX_CRED = (12 + 3) * 3600 + 5


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """`yikatong *argv` in this process: (exit code, stdout, stderr)."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
