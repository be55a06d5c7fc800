"""`yikatong verify`: the reference offline verifier, with only a trust file and a revocation file."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from backend import cli
from backend.codes import format as fmt
from backend.lib import ed25519
from tests.codes.helpers import held_revocations

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
NOW = 1_767_258_000
ISSUER_SEED = hashlib.sha256(b"cli issuer").digest()
ISSUER_KID = "c0ffee01"
DEVICE_SEED = hashlib.sha256(b"cli device").digest()
DEVICE_PUB = ed25519.public_from_seed(DEVICE_SEED)
CARD = bytes.fromhex("8899aabbccddeeff")
EMPTY_REVOCATIONS = {"version": 1, "cards": {}, "devices": []}


def jwks(*entries: tuple[str, bytes]) -> dict:
    return {"keys": [fmt.jwk_from_public(kid, ed25519.public_from_seed(seed), NOW - 86400, NOW + 86400) for kid, seed in entries]}


def offline_code(t: int = NOW, flags: int = int(fmt.Flags.ELDERLY | fmt.Flags.TRANSPORT), seed: bytes = ISSUER_SEED) -> str:
    credential = fmt.make_credential(
        issuer_kid=bytes.fromhex(ISSUER_KID),
        issuer_seed=seed,
        card_ref=CARD,
        region=440300,
        nbf=NOW - 3600,
        exp=NOW + 3600,
        flags=flags,
        device_pub=DEVICE_PUB,
    )
    return fmt.make_offline_code(credential, DEVICE_SEED, t)


@pytest.fixture
def files(tmp_path: Path):
    """Write a trust file and a revocation file; returns a function taking their contents."""

    def write(trust: object = None, revocations: object = None) -> tuple[str, str]:
        trust_path, rev_path = tmp_path / "jwks.json", tmp_path / "rev.json"
        trust_path.write_text(trust if isinstance(trust, str) else json.dumps(trust or jwks((ISSUER_KID, ISSUER_SEED))))
        rev_path.write_text(revocations if isinstance(revocations, str) else json.dumps(revocations or EMPTY_REVOCATIONS))
        return str(trust_path), str(rev_path)

    return write


def verify(capsys, code: str, trust: str, revocations: str, *extra: str, now: int | None = NOW) -> tuple[int, dict | None, str]:
    argv = ["verify", code, "--trust", trust, "--revocations", revocations, *extra]
    if now is not None:
        argv += ["--now", str(now)]
    status = cli.main(argv)
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) <= 1, "one JSON line at most"
    return status, (json.loads(lines[0]) if lines else None), err


def test_valid_code_reports_what_the_signatures_vouch_for(files, capsys):
    trust, rev = files()
    status, report, err = verify(capsys, offline_code(NOW), trust, rev, now=NOW + 10)
    assert status == 0, err
    assert report["result"] == "valid" and report["kind"] == "offline"
    assert report["card_ref"] == CARD.hex() and report["region"] == 440300
    assert report["flags"] == 0x09 and report["concessions"] == ["elderly", "transport"]
    assert report["t"] == NOW and report["expires"] == NOW + fmt.CODE_LIFETIME
    assert report["credential_exp"] == NOW + 3600
    assert report["device_key_id"] == fmt.device_key_id(DEVICE_PUB)
    assert report["revocation_version"] == 1
    assert len(report["code_id"]) == 32


@pytest.mark.parametrize(
    "when, revocations, expected",
    [
        (NOW + fmt.CODE_LIFETIME + 6, None, "expired"),
        (NOW - 6, None, "not_yet_valid"),
        (NOW, {"version": 7, "cards": {CARD.hex(): "suspended"}, "devices": []}, "card_suspended"),
        (NOW, {"version": 7, "cards": {CARD.hex(): "cancelled"}, "devices": []}, "card_cancelled"),
        (NOW, {"version": 7, "cards": {}, "devices": [fmt.device_key_id(DEVICE_PUB)]}, "device_revoked"),
    ],
)
def test_other_results_exit_1(files, capsys, when, revocations, expected):
    trust, rev = files(revocations=revocations)
    status, report, _ = verify(capsys, offline_code(NOW), trust, rev, now=when)
    assert status == 1
    assert report["result"] == expected and report["message"]


def test_full_list_as_the_server_serves_it(files, capsys):
    served = {
        "version": 9,
        "full": True,
        "cards": {CARD.hex(): "suspended"},
        "devices": [],
        "generated_at": "2026-01-01T08:00:00+08:00",
        "jwks_url": "https://example.test/.well-known/jwks.json",
    }
    trust, rev = files(revocations=served)
    status, report, _ = verify(capsys, offline_code(), trust, rev)
    assert (status, report["result"], report["revocation_version"]) == (1, "card_suspended", 9)


def test_unknown_key_and_forgery(files, capsys):
    trust, rev = files(trust=jwks(("0badc0de", ISSUER_SEED)))
    status, report, err = verify(capsys, offline_code(), trust, rev)
    assert (status, report["result"]) == (1, "unknown_key") and err == ""
    trust, rev = files(trust={"keys": [{"kty": "RSA", "kid": ISSUER_KID}]})
    status, report, err = verify(capsys, offline_code(), trust, rev)
    assert (status, report["result"]) == (1, "unknown_key") and "no usable Ed25519" in err
    assert "card_ref" not in report  # nothing is reported that no signature vouched for
    forged = offline_code(seed=hashlib.sha256(b"someone else").digest())
    trust, rev = files()
    status, report, _ = verify(capsys, forged, trust, rev)
    assert (status, report["result"]) == (1, "bad_signature") and "card_ref" not in report


def test_online_codes_cannot_be_checked_offline(files, capsys):
    trust, rev = files()
    online = fmt.mint_online(CARD, kid=3, master=bytes(32), now=NOW)
    status, report, _ = verify(capsys, online, trust, rev)
    assert status == 1
    assert report["result"] == "unknown_key" and report["kind"] == "online"
    assert "server" in report["message"] and "card_ref" not in report
    # Like any verifier without the secret: a text that is not a well-formed online code is malformed.
    status, report, _ = verify(capsys, online[:-3], trust, rev)
    assert (status, report["result"], report["kind"]) == (1, "malformed", "online")


def test_garbage_is_malformed_not_a_crash(files, capsys):
    trust, rev = files()
    for text in ("", "hello", "YKD1:" + "0" * 2000, "YKD1:ÄÖ", offline_code() + "\n"):
        status, report, _ = verify(capsys, text, trust, rev)
        assert (status, report["result"]) == (1, "malformed"), text


def test_code_from_standard_input(files, capsys, monkeypatch):
    trust, rev = files()
    code = offline_code()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((code + "\n").encode())))
    status, report, _ = verify(capsys, "-", trust, rev)
    assert (status, report["result"]) == (0, "valid")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe" + code.encode())))
    status, report, _ = verify(capsys, "-", trust, rev)
    assert (status, report["result"]) == (1, "malformed")


@pytest.mark.parametrize(
    "trust, revocations, message",
    [
        ("{not json", None, "not valid JSON"),
        ([1, 2], None, "not a JWK Set"),
        ({"kty": "OKP"}, None, "not a JWK Set"),
        (None, "[]", "malformed"),
        (None, {"version": 1, "cards": {"nothex": "suspended"}, "devices": []}, "malformed"),
        (None, {"version": 1, "cards": {CARD.hex(): "lost"}, "devices": []}, "malformed"),
        (None, {"version": -1, "cards": {}, "devices": []}, "malformed"),
        (None, {"cards": {}, "devices": []}, "malformed"),
        (None, {"version": 45, "full": False, "since": 42, "changes": []}, "is a delta"),
    ],
)
def test_bad_files_are_usage_errors(files, capsys, trust, revocations, message):
    trust_path, rev_path = files(
        trust=trust if not isinstance(trust, (list, dict)) else json.dumps(trust), revocations=revocations
    )
    status, report, err = verify(capsys, offline_code(), trust_path, rev_path)
    assert status == 2 and report is None
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_missing_files_and_bad_options(files, capsys, tmp_path):
    trust, rev = files()
    status, _, err = verify(capsys, offline_code(), str(tmp_path / "nope.json"), rev)
    assert status == 2 and "cannot read trust file" in err
    status, _, err = verify(capsys, offline_code(), trust, rev, "--skew", "-1")
    assert status == 2 and "--skew" in err
    with pytest.raises(SystemExit) as exc:  # argparse: a missing required option
        cli.main(["verify", offline_code(), "--trust", trust])
    assert exc.value.code == 2


def test_skew_option_widens_the_window(files, capsys):
    trust, rev = files()
    late = NOW + fmt.CODE_LIFETIME + 20
    assert verify(capsys, offline_code(), trust, rev, now=late)[1]["result"] == "expired"
    assert verify(capsys, offline_code(), trust, rev, "--skew", "30", now=late)[1]["result"] == "valid"


def _offline_vectors() -> list[Path]:
    return sorted(p for p in VECTORS.glob("*.json") if "trust" in json.loads(p.read_text()))


@pytest.mark.parametrize("path", _offline_vectors(), ids=lambda p: p.stem)
def test_agrees_with_every_offline_vector(path: Path, files, capsys):
    vector = json.loads(path.read_text())
    revocations = vector.get("revocation") or EMPTY_REVOCATIONS
    if vector.get("revocation_updates"):
        # The command reads one full list: give it the one the updates lead to, as the server would serve it.
        version, cards, devices = held_revocations(vector)
        revocations = {"version": version, "full": True, "cards": cards, "devices": sorted(devices)}
    trust, rev = files(trust=vector["trust"], revocations=revocations)
    status, report, err = verify(capsys, vector["code"], trust, rev, "--skew", str(vector["skew"]), now=vector["now"])
    assert report["result"] == vector["expected"], err
    assert status == (0 if vector["expected"] == "valid" else 1)
    for name, value in (vector.get("expected_fields") or {}).items():
        key = {"nbf": "credential_nbf", "exp": "credential_exp"}.get(name, name)
        assert report[key] == value, name


def test_installed_command(files, tmp_path: Path):
    """A real process: exit statuses are what shell scripts at a gate would see."""
    trust, rev = files()
    root = Path(__file__).resolve().parents[2]
    base = [sys.executable, "-m", "backend.cli", "verify", "--trust", trust, "--revocations", rev, "--now", str(NOW)]
    ok = subprocess.run([*base, offline_code()], capture_output=True, text=True, cwd=root, timeout=60)
    assert ok.returncode == 0 and json.loads(ok.stdout)["result"] == "valid"
    bad = subprocess.run([*base, "-"], input="nonsense\n", capture_output=True, text=True, cwd=root, timeout=60)
    assert bad.returncode == 1 and json.loads(bad.stdout)["result"] == "malformed"
