"""Fixtures for key tests: a production-like environment of the test's own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.keys.helpers import PASSPHRASE


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Its own key dir, a real passphrase, env `prod`, no .env file; returns the key dir."""
    monkeypatch.chdir(tmp_path)  # load_settings reads ./.env; there is none here
    for name in list(os.environ):
        if name.startswith("YIKATONG_"):
            monkeypatch.delenv(name)
    key_dir = tmp_path / "keys"
    monkeypatch.setenv("YIKATONG_ENV", "prod")
    monkeypatch.setenv("YIKATONG_WEBAUTHN_RP_ID", "yikatong.example")  # production refuses localhost passkeys
    monkeypatch.setenv("YIKATONG_WEBAUTHN_ORIGINS", "https://yikatong.example")
    monkeypatch.setenv("YIKATONG_PUBLIC_URL", "https://yikatong.example")  # production names its own address
    monkeypatch.setenv("YIKATONG_KEY_DIR", str(key_dir))
    monkeypatch.setenv("YIKATONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YIKATONG_KEY_PASSPHRASE", PASSPHRASE)
    return key_dir
