"""Typed settings read from YIKATONG_* environment variables, with .env filling gaps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import msgspec

PREFIX = "YIKATONG_"
PRODUCTION_ENVS = ("prod", "production")
TEST_ONLY_PREFIX = "test-only"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service reads from its environment."""

    database_url: str = ""  # empty: SQLite file under data_dir
    redis_url: str = ""  # empty: embedded single-process store
    redis_prefix: str = "yk:"
    data_dir: str = "data"
    key_dir: str = ""  # empty: <data_dir>/keys
    key_passphrase: str = ""  # required outside dev; encrypts private keys at rest
    env: str = "dev"  # dev | test | prod
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024
    temp_loss_days: int = 7  # a temporary loss report lapses by itself after this many days
    clock_skew_seconds: int = 5  # codes live 60 s by their format (docs/qr-format.md); this is the tolerance around that
    credential_hours: int = 12
    # Offline credentials of format 2 cover aligned slots of this many hours (UTC), so every
    # holder's credential for a slot has the same nbf and exp and times link no one (issue 18).
    credential_slot_hours: int = 3
    # After this Unix time verifiers refuse offline codes of format 1 (YKD1) as `format_retired`
    # and the server issues no YKC1 credential (docs/qr-format.md). Default 2027-03-01T00:00:00Z.
    offline_v1_retire_at: int = 1803859200
    login_max_failures: int = 5
    client_rate_per_minute: int = 600
    cors_origins: str = ""
    # Bearer token for GET /metrics. Empty: /metrics is open in dev and test, absent (404) in prod.
    metrics_token: str = ""
    # The service is reached over HTTPS only (TLS ends here or at a proxy in front): send HSTS.
    behind_tls: bool = False
    # Web Push to holders' browsers (docs/inbox.md). The subject is the contact push services
    # may write to about our traffic (RFC 8292: a mailto: or https: URI).
    push_enabled: bool = True
    vapid_subject: str = "mailto:push@yikatong.invalid"
    # Hosts (or parent domains) of the browsers' push services a subscription may point at;
    # nothing else is ever sent a request (in dev and test, also http://127.0.0.1 and localhost).
    push_services: str = "fcm.googleapis.com,push.services.mozilla.com,notify.windows.com,push.apple.com,web.push.apple.com"

    # Passkeys (WebAuthn, docs/signing-in.md): the relying party id is the site's domain (never an
    # IP address); origins are the exact scheme://host[:port] the wallet is served from, comma
    # separated. An origin ending in ":*" admits any port of that host, outside prod only.
    webauthn_rp_id: str = "localhost"
    webauthn_rp_name: str = "Yikatong"
    webauthn_origins: str = "http://localhost:*,https://localhost:*"
    # Step-up: how long a fresh factor (passkey, TOTP, recovery code, password) covers the actions
    # that need one (lifting a loss report, adding a device, revealing the card number ...).
    step_up_seconds: int = 300
    # Staff sign in with a second factor (docs/console.md): "required" gives a staff member without
    # TOTP a session that can only enrol it (and sign out); "optional" lets the password alone do.
    staff_second_factor: Literal["required", "optional"] = "required"

    # Offline scanners' trust and revocation lists, aged from when the server issued them
    # (docs/verification.md "Offline scanners"): past the warning age an offline verdict says so
    # in amber; past the limit the scanner refuses to verify offline until it syncs.
    offline_lists_warn_hours: int = 24
    offline_lists_max_hours: int = 72

    # Remote identity-verification provider for proofing (docs/proofing.md): "" for none. A name
    # starting with "test-only" is a provider written for tests, refused in production.
    idv_provider: str = ""

    # The outbox's job runner (docs/jobs.md): a worker in each `serve` process unless turned off
    # (then run `yikatong worker`); how many jobs one runs at once, how often it looks for due ones
    # when not woken, how long a claimed job is its own (a worker killed mid-job leaves the job to
    # another after this), how often a failing job is tried before it is dead, and the back-off.
    jobs_embedded: bool = True
    jobs_concurrency: int = 4
    jobs_poll_seconds: float = 0.5
    jobs_lease_seconds: int = 60
    jobs_max_attempts: int = 10
    jobs_backoff_seconds: float = 2.0  # the wait after the first failure; doubled after each next one
    jobs_backoff_max_seconds: float = 900.0

    # Statements (docs/documents.md): the address people reach the service at, for the link in a
    # statement's QR code ("": the address the holder's request came to), and the CJK font the PDFs
    # embed ("": Noto Sans SC from node_modules, which `make setup` installs).
    public_url: str = ""
    documents_font: str = ""

    # Issue 19. The region this instance issues cards for (GB/T 2260 province-level code: 440000
    # Guangdong, 810000 Hong Kong, 820000 Macao) and its names, as its signed trust list states them
    # (docs/federation.md).
    region_code: str = "440000"
    region_name: str = "广东省"
    region_name_en: str = "Guangdong"
    # Imported regions' trust lists are fetched again this often; a list past its own `next_update`
    # plus this grace is no longer handed to scanners (fail closed).
    federation_refresh_seconds: int = 3600
    federation_grace_seconds: int = 86400
    # A server-to-server call to another region (an online code's check) gives up after this long,
    # and the code is refused (`issuer_unreachable`): never accepted unchecked.
    federation_timeout_seconds: float = 3.0
    # http:// peer URLs are refused unless this is set (tests and the two-region demo on one machine).
    federation_allow_http: bool = False
    # OpenID provider (docs/oidc.md): the issuer identifier ("": public_url, else the request's own
    # origin outside prod), and lifetimes.
    oidc_issuer: str = ""
    oidc_code_seconds: int = 60
    oidc_token_seconds: int = 600
    oidc_device_seconds: int = 600
    oidc_device_interval: int = 5
    # Agency subscriptions (docs/webhooks.md): a delivery is tried this many times before it is
    # dead-lettered; http:// endpoints only outside prod.
    webhook_max_attempts: int = 12
    webhook_timeout_seconds: float = 5.0
    # Misuse detection (docs/misuse.md): the signals job looks at the verifications of the last
    # `misuse_window_hours` every `misuse_scan_seconds`.
    misuse_scan_seconds: int = 300
    misuse_window_hours: int = 72
    # The access record's head is signed and published this often (docs/access-record.md, "Anchors"); a
    # truncated tail older than one interval is then found with no remembered head.
    audit_anchor_seconds: int = 300

    def __post_init__(self) -> None:
        if not (
            1 <= self.jobs_concurrency <= 256
            and 0.01 <= self.jobs_poll_seconds <= 3600
            and 1 <= self.jobs_lease_seconds <= 86400
            and 1 <= self.jobs_max_attempts <= 1000
            and 0 <= self.jobs_backoff_seconds <= self.jobs_backoff_max_seconds <= 7 * 86400
        ):
            raise ValueError(
                "YIKATONG_JOBS_*: concurrency 1-256, poll 0.01-3600 s, lease 1-86400 s, max attempts 1-1000, "
                "0 <= backoff <= backoff max <= a week (docs/jobs.md)"
            )
        if not 0 < self.offline_lists_warn_hours <= self.offline_lists_max_hours <= 24 * 365:
            raise ValueError(
                "YIKATONG_OFFLINE_LISTS_WARN_HOURS must be above 0 and at most YIKATONG_OFFLINE_LISTS_MAX_HOURS "
                "(itself at most a year)"
            )
        if self.idv_provider.startswith(TEST_ONLY_PREFIX) and self.env in PRODUCTION_ENVS:
            raise ValueError(
                f"YIKATONG_IDV_PROVIDER={self.idv_provider} is a provider written for tests; "
                f"it cannot be enabled when YIKATONG_ENV={self.env}"
            )
        if self.env in PRODUCTION_ENVS and (self.webauthn_rp_id == "localhost" or "localhost" in self.webauthn_origins):
            # Passkeys are bound to the relying party's domain: one made for localhost is worthless
            # in production, and a localhost origin there would accept assertions from any local page.
            raise ValueError(
                f"YIKATONG_ENV={self.env} needs YIKATONG_WEBAUTHN_RP_ID and YIKATONG_WEBAUTHN_ORIGINS set to the "
                "service's own domain and https origins (passkeys), not localhost"
            )
        if not (len(self.region_code) == 6 and self.region_code.isdigit() and self.region_code.endswith("0000")):
            raise ValueError(f"YIKATONG_REGION_CODE={self.region_code!r} must be a province-level code of six digits ending 0000")
        if not (
            1 <= self.federation_refresh_seconds <= 7 * 86400
            and 0 <= self.federation_grace_seconds <= 30 * 86400
            and 0.1 <= self.federation_timeout_seconds <= 60
            and 10 <= self.oidc_code_seconds <= 600
            and 60 <= self.oidc_token_seconds <= 86400
            and 60 <= self.oidc_device_seconds <= 3600
            and 1 <= self.oidc_device_interval <= 60
            and 1 <= self.webhook_max_attempts <= 100
            and 0.1 <= self.webhook_timeout_seconds <= 60
            and 10 <= self.misuse_scan_seconds <= 86400
            and 1 <= self.misuse_window_hours <= 24 * 31
            and 1 <= self.audit_anchor_seconds <= 86400
        ):
            raise ValueError(
                "YIKATONG_FEDERATION_*: refresh 1 s-7 days, grace 0-30 days, timeout 0.1-60 s; YIKATONG_OIDC_*: code "
                "10-600 s, token 60 s-1 day, device 60-3600 s, interval 1-60 s; YIKATONG_WEBHOOK_*: attempts 1-100, "
                "timeout 0.1-60 s; YIKATONG_MISUSE_SCAN_SECONDS 10 s-1 day, YIKATONG_MISUSE_WINDOW_HOURS 1-744; "
                "YIKATONG_AUDIT_ANCHOR_SECONDS 1 s-1 day (docs/federation.md, docs/oidc.md, docs/webhooks.md, docs/misuse.md, "
                "docs/access-record.md)"
            )
        if self.env in PRODUCTION_ENVS and self.federation_allow_http:
            raise ValueError(f"YIKATONG_FEDERATION_ALLOW_HTTP cannot be set when YIKATONG_ENV={self.env}")
        if self.env in PRODUCTION_ENVS and not self.public_url.startswith("https://"):
            # A statement's QR code and printed address come from here; without it they would come from
            # the request's Host header, which a holder could point at a page of their own under our signature.
            raise ValueError(f"YIKATONG_ENV={self.env} needs YIKATONG_PUBLIC_URL, the service's https address (statements)")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.data_dir) / "yikatong.sqlite"

    @property
    def keys_path(self) -> Path:
        return Path(self.key_dir) if self.key_dir else Path(self.data_dir) / "keys"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_settings(environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env"), **overrides: object) -> Settings:
    """Build settings: explicit overrides > environment > .env file > defaults."""
    source = dict(_read_dotenv(dotenv)) if dotenv else {}
    source.update(os.environ if environ is None else environ)
    fields = {f.name: f.type for f in msgspec.structs.fields(Settings)}
    raw: dict[str, object] = {}
    for name in fields:
        key = PREFIX + name.upper()
        if key in source:
            raw[name] = source[key]
    raw.update(overrides)
    # strict=False lets "600" become 600 and so on; bad values fail loudly at start-up.
    return msgspec.convert(raw, Settings, strict=False)
