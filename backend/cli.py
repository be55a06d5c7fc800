"""The `yikatong` command: serve, migrate, demo, keys, verify, audit."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from backend.identity import protect
from backend.lib.logs import install_redaction
from backend.lib.settings import load_settings

if TYPE_CHECKING:
    from backend.keys.keyring import KeyStore


def _serve(args: argparse.Namespace) -> int:
    from backend.lib.logs import setup_logging

    settings = load_settings()
    setup_logging(settings.log_level)
    if args.workers > 1 and not settings.redis_url:
        print(
            "error: several workers must share state: set YIKATONG_REDIS_URL (the embedded store is per process)", file=sys.stderr
        )
        return 2
    if args.workers > 1 and not settings.is_postgres:
        print("warning: several workers on SQLite serialise their writes; use PostgreSQL in production", file=sys.stderr)
    run_server("backend.app:app_from_env", host=args.host, port=args.port, workers=args.workers)
    return 0


def run_server(factory: str, *, host: str, port: int, workers: int) -> None:
    """uvicorn as `yikatong serve` runs it (the benchmarks start their servers through here too)."""
    import uvicorn

    uvicorn.run(
        factory, factory=True, host=host, port=port, workers=workers, log_config=None, access_log=False, proxy_headers=True
    )


async def _migrate_async() -> None:
    from backend.lib import db

    settings = load_settings()
    async with db.lifespan(settings):
        await db.migrate()


def _migrate(_: argparse.Namespace) -> int:
    asyncio.run(_migrate_async())
    return 0


def _demo(_: argparse.Namespace) -> int:
    from backend.demo import run_demo

    asyncio.run(run_demo(load_settings()))
    return 0


def _keystore() -> KeyStore:
    from backend.app import keystore_for

    return keystore_for(load_settings())


def _publish_ahead(args: argparse.Namespace, current: str, settings: Any) -> int:
    """Seconds the new issuer keys are published before they sign: --publish-ahead, or for a
    change of suite the lists' max age (an offline scanner older than that verifies nothing)."""
    if args.publish_ahead is not None:
        return max(0, round(args.publish_ahead * 3600))
    changing = args.suite is not None and args.suite != current
    return settings.offline_lists_max_hours * 3600 if changing else 0


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _keys(args: argparse.Namespace) -> int:
    from backend.codes.format import CODE_LIFETIME
    from backend.keys.keyring import KeyStoreError

    settings = load_settings()
    # A batch's last slot starts before now + credential_hours and ends a slot later (codes.batches):
    # an issuer key stays published until that credential has expired.
    max_cred = (settings.credential_hours + settings.credential_slot_hours) * 3600 + settings.clock_skew_seconds
    online_keep = CODE_LIFETIME + 2 * settings.clock_skew_seconds
    try:
        store = _keystore()
        if args.action == "init":
            created = store.init(max_credential_seconds=max_cred, suite=args.suite or "ed25519")
            print(("created keyring at " if created else "keyring already exists at ") + str(store.path))
            if not created and args.suite and store.load().suite != args.suite:
                print(f"its suite stays {store.load().suite}: `yikatong keys rotate --suite {args.suite}` changes it")
        elif args.action == "rotate":
            if not store.exists():
                store.init(max_credential_seconds=max_cred, suite=args.suite or "ed25519")
            before = store.load().suite
            ahead = _publish_ahead(args, store.load().suite, settings)
            kid, online = store.rotate(
                max_credential_seconds=max_cred, online_keep_seconds=online_keep, suite=args.suite, publish_ahead=ahead
            )
            after = store.load()
            if ahead:
                print(
                    f"the new issuer keys are published now and sign from {_iso(int(time.time()) + ahead)} "
                    f"({ahead / 3600:g} h ahead, so offline scanners know them first); the old ones sign until then"
                )
            print(
                f"new issuer key {kid} ({next(k.alg for k in after.signing if k.kid == kid)}), "
                f"new online-code secret {online} ({after.online_suite(online)}); "
                "old keys stay published until their credentials expire"
            )
            if after.suite != before:
                print(
                    f"suite {before} -> {after.suite}: online codes are issued in it from now on, credentials once its keys sign; "
                    "those issued before keep verifying until they expire"
                )
        elif args.action == "revoke":
            return _revoke(store, args, max_cred)
        elif args.action == "list":
            for entry in store.describe():

                def ts(v: object) -> str:
                    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(v)) if isinstance(v, int) else "-"

                revoked = (
                    f"  revoked {ts(entry['revoked'])} by {entry.get('revoked_by', '-')} ({entry.get('reason') or 'no reason given'})"
                    if "revoked" in entry
                    else ""
                )
                print(
                    f"{entry['purpose']:8} {entry['id']:10} signs {ts(entry.get('nbf'))} .. {ts(entry.get('exp'))}  published until {ts(entry.get('publish_until'))}{revoked}"
                )
        elif args.action == "export-trust":
            from backend.keys.trust import jwks

            doc = jwks(store.load(), v1_retire_at=settings.offline_v1_retire_at)
            text = json.dumps(doc, indent=2)
            if args.out:
                with open(args.out, "w") as fh:
                    fh.write(text + "\n")
                print(f"wrote {len(doc['keys'])} keys to {args.out}")
            else:
                print(text)
    except KeyStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _revoke(store: KeyStore, args: argparse.Namespace, max_cred: int) -> int:
    """`keys revoke KID`: the key stops verifying in every worker at its next request (they
    reload the changed keyring file) and leaves the trust list's `keys` for its `yk_revoked`.
    The keyring keeps the record (when, by whom, why), and a warning goes to the log."""
    import getpass
    import logging

    if not args.kid:
        print("error: name the issuer key to revoke: yikatong keys revoke KID (see yikatong keys list)", file=sys.stderr)
        return 2
    try:
        by = getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (some containers)
        by = f"uid {os.getuid()}"
    already = any(k.kid == args.kid for k in store.load().revoked)
    replacement = store.revoke(args.kid, max_credential_seconds=max_cred, reason=args.reason or "", by=by)
    if already:
        print(f"issuer key {args.kid} was already revoked; nothing changed")
        return 0
    logging.getLogger("yikatong.keys").warning(
        "issuer key %s revoked by %s (%s); replacement: %s",
        args.kid,
        by,
        args.reason or "no reason given",
        replacement or "none needed",
    )
    print(
        f"issuer key {args.kid} revoked: no worker accepts it from its next request, and the trust list names it under yk_revoked"
    )
    if replacement:
        print(f"it was the signing key: new issuer key {replacement} signs from now")
    print("holders' phones need a new credential (the wallet fetches one); verifiers should refresh the trust list now")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from backend.codes.offline_verifier import verify_cli

    return verify_cli(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yikatong", description="Yikatong e-card service")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API and the PWAs")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)

    sub.add_parser("migrate", help="run database migrations").set_defaults(func=_migrate)
    sub.add_parser("demo", help="seed a demo province and print how to sign in").set_defaults(func=_demo)

    keys = sub.add_parser("keys", help="manage issuer keys and trust material")
    keys.add_argument("action", choices=["init", "rotate", "revoke", "list", "export-trust"])
    keys.add_argument("kid", nargs="?", help="revoke: the issuer key id (8 hex characters, from `keys list`)")
    keys.add_argument("--out", help="export-trust: write the JWK Set to this file")
    keys.add_argument("--reason", help="revoke: why, kept in the keyring and the log")
    keys.add_argument(
        "--suite",
        choices=["ed25519", "sm2"],
        help="init, rotate: the suite offline credentials and online codes are issued in from now on "
        "(sm2: SM2 with SM3 and SM4 with HMAC-SM3; ed25519: Ed25519 and AES with HMAC-SHA256); rotate keeps the current one without it",
    )
    keys.add_argument(
        "--publish-ahead",
        type=float,
        metavar="HOURS",
        help="rotate: publish the new issuer keys this long before they sign, so offline scanners learn them first "
        "(default: the lists' max age, 72 h, when --suite changes the suite; 0 otherwise)",
    )
    keys.set_defaults(func=_keys)

    verify = sub.add_parser("verify", help="verify a QR code text offline with a trust list and a revocation list")
    verify.add_argument("code", help="the scanned text, or - to read it from standard input")
    verify.add_argument("--trust", required=True, help="JWK Set file (from /.well-known/jwks.json)")
    verify.add_argument("--revocations", required=True, help="revocation list file (from /api/v1/revocations)")
    verify.add_argument("--now", type=int, help="unix time to verify at (default: now)")
    verify.add_argument("--skew", type=int, default=5)
    verify.add_argument(
        "--scenario", help="the scenario this verifier stands for, e.g. transit_ride (needed for format-2 codes, YKD2)"
    )
    verify.set_defaults(func=_verify)

    from backend.audit.cli import add_audit_parser  # `yikatong audit verify|anchor|anchors`: the access record's chain

    add_audit_parser(sub, keystore=_keystore)
    from backend.features import job_handlers, periodic_jobs
    from backend.jobs.cli import add_jobs_parser  # `yikatong worker`: the outbox's jobs (docs/jobs.md)

    add_jobs_parser(sub, handlers=job_handlers, keystore=_keystore, periodic=periodic_jobs)
    from backend.payments.cli import add_payments_parser  # `yikatong payments check-ledger|reconcile --day`

    add_payments_parser(sub)
    from backend.banksim.cli import add_banksim_parser  # `yikatong bank-sim`: a bank played against the API

    add_banksim_parser(sub)
    from backend.contracts.cli import add_contracts_parser  # `yikatong contracts verify`: an evidence bundle offline

    add_contracts_parser(sub)
    from backend.documents.cli import add_documents_parser  # `yikatong documents verify`: a statement PDF offline

    add_documents_parser(sub)
    from backend.federation.cli import add_federation_parser  # `yikatong federation fingerprint|add|list|refresh`

    add_federation_parser(sub, keystore=_keystore)
    from backend.enforcement.cli import add_enforcement_parser  # `yikatong enforcement scan`: the misuse scan now

    add_enforcement_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Log lines name no identity number: the identity feature's recognisers, as in the app.
    install_redaction(protect.redact, protect.names_a_document)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
