"""Issue 19's settings: the region code and the federation, OpenID and webhook figures are checked at start."""

import pytest

from backend.lib.settings import load_settings


def _load(**env: str):
    return load_settings(environ={f"YIKATONG_{k.upper()}": v for k, v in env.items()}, dotenv=None)


def test_defaults_start():
    settings = _load()
    assert settings.region_code == "440000" and not settings.federation_allow_http


@pytest.mark.parametrize("code", ["440100", "44000", "4400000", "abcdef", ""])
def test_region_code_is_province_level(code):
    with pytest.raises(ValueError, match="REGION_CODE"):
        _load(region_code=code)


@pytest.mark.parametrize(
    "name,value",
    [
        ("federation_refresh_seconds", "0"),
        ("federation_timeout_seconds", "0"),
        ("federation_grace_seconds", "-1"),
        ("oidc_code_seconds", "100000"),
        ("oidc_device_interval", "0"),
        ("webhook_max_attempts", "0"),
        ("webhook_timeout_seconds", "1000"),
    ],
)
def test_out_of_range_figures_are_refused(name, value):
    with pytest.raises(ValueError, match=name.split("_")[0].upper()):
        _load(**{name: value})


def test_plain_http_between_regions_is_refused_in_production():
    with pytest.raises(ValueError, match="FEDERATION_ALLOW_HTTP"):
        _load(
            env="prod",
            federation_allow_http="true",
            webauthn_rp_id="yikatong.example",
            webauthn_origins="https://yikatong.example",
            public_url="https://yikatong.example",
        )


@pytest.mark.parametrize(
    "name,value,words",
    [
        ("misuse_scan_seconds", "5", "MISUSE_SCAN_SECONDS"),
        ("misuse_window_hours", "0", "MISUSE_WINDOW_HOURS"),
        ("misuse_window_hours", "745", "MISUSE_WINDOW_HOURS"),
        ("audit_anchor_seconds", "0", "AUDIT_ANCHOR_SECONDS"),
        ("audit_anchor_seconds", "86401", "AUDIT_ANCHOR_SECONDS"),
    ],
)
def test_issue_20_figures_out_of_range_are_refused(name, value, words):
    with pytest.raises(ValueError, match=words):
        _load(**{name: value})


def test_issue_20_defaults():
    settings = _load()
    assert (settings.misuse_scan_seconds, settings.misuse_window_hours, settings.audit_anchor_seconds) == (300, 72, 300)
