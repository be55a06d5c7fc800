"""Conformance: the library gives the expected result for every tests/vectors/*.json case."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.lib import ed25519
from tests.codes.helpers import held_revocations

VECTOR_DIR = Path(__file__).resolve().parents[1] / "vectors"
VECTOR_FILES = sorted(VECTOR_DIR.glob("*.json"))
V2_FILES = sorted((VECTOR_DIR / "v2").glob("*.json"))  # format 2, and format 1 after its retirement
SPEC = Path(__file__).resolve().parents[2] / "docs" / "qr-format.md"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="ascii"))


def _verify(case: dict[str, Any]) -> fmt.OnlineCheck | fmt.OfflineCheck:
    if case["kind"] == "online":
        masters = {int(kid): bytes.fromhex(master) for kid, master in case["online_masters"].items()}
        return fmt.verify_online(case["code"], masters=masters, now=case["now"], skew=case["skew"])
    revoked_cards = revoked_devices = None
    if "revocation" in case:
        _version, revoked_cards, revoked_devices = held_revocations(case)
    return fmt.verify_offline(
        case["code"],
        trust=fmt.trust_from_jwks(case["trust"]),
        now=case["now"],
        skew=case["skew"],
        revoked_cards=revoked_cards,
        revoked_devices=revoked_devices,
    )


def _verify_v2(case: dict[str, Any]) -> fmt.OfflineCheck | v2.OfflineCheckV2:
    """A tests/vectors/v2 case: YKD1 texts by format 1 with `retire_at`, anything else by format 2
    at the case's scenario, with the held list's credentials."""
    if isinstance(case["code"], str) and case["code"].startswith(fmt.OFFLINE_PREFIX):
        return fmt.verify_offline(
            case["code"],
            trust=fmt.trust_from_jwks(case["trust"]),
            now=case["now"],
            skew=case["skew"],
            retire_at=case["retire_at"],
        )
    held = None
    if "revocation" in case:
        held = v2.revocation_v2_from_json(case["revocation"])
        for update in case.get("revocation_updates", []):
            try:
                held = v2.apply_revocation_update_v2(held, update)
            except ValueError:
                pass  # not applicable: the held list stays, as in a scanner
    return v2.verify_offline_v2(
        case["code"],
        trust=v2.trust_from_jwks_v2(case["trust"]),
        scenario=case["scenario"],
        profile=case.get("profile"),
        now=case["now"],
        skew=case["skew"],
        revoked_credentials=held[3] if held else None,
    )


def _observed_fields(check: fmt.OnlineCheck | fmt.OfflineCheck | v2.OfflineCheckV2, expected: dict[str, Any]) -> dict[str, Any]:
    """The check's fields named in `expected`, bytes shown as hex like in the vectors."""
    out = {}
    for name in expected:
        value = getattr(check, name)
        out[name] = value.hex() if isinstance(value, bytes) else value
    return out


def test_there_are_enough_vectors() -> None:
    assert len(VECTOR_FILES) >= 25
    results = {_load(path)["expected"] for path in VECTOR_FILES}
    # Decided by the server only: one use, venue policy, the holder's proofing level.
    producible = {r.value for r in fmt.Result} - {"replayed", "scenario_not_allowed", "assurance_too_low"}
    assert results == producible - {"wrong_scenario", "format_retired"}  # format 1 before its retirement
    v2_results = {_load(path)["expected"] for path in V2_FILES}
    assert len(V2_FILES) >= 60
    assert v2_results == producible  # format 2 (and format 1's retirement) has a vector for each


@pytest.mark.parametrize("path", VECTOR_FILES, ids=[p.stem for p in VECTOR_FILES])
def test_vector(path: Path) -> None:
    case = _load(path)
    check = _verify(case)
    assert check.result.value == case["expected"], case["description"]
    if "expected_fields" in case:
        assert _observed_fields(check, case["expected_fields"]) == case["expected_fields"]
    if case["expected"] != "malformed":
        assert fmt.kind_of(case["code"]) == case["kind"]


@pytest.mark.parametrize("path", V2_FILES, ids=[p.stem for p in V2_FILES])
def test_v2_vector(path: Path) -> None:
    case = _load(path)
    check = _verify_v2(case)
    assert check.result.value == case["expected"], case["description"]
    # Every field the verifier sets is in the vector, and no other.
    fields = {k: v for k, v in _observed_fields(check, type(check).__struct_fields__).items() if v is not None}
    fields.pop("result")
    assert fields == case.get("expected_fields", {})
    assert {"description", "kind", "code", "now", "skew", "expected", "trust"} <= case.keys()
    assert case["kind"] == "offline" and path.stem == path.stem.lower()
    if isinstance(case["code"], str) and case["code"].startswith("YKD1:"):
        assert "retire_at" in case and "scenario" not in case
    else:
        assert case["scenario"] in v2.BUILT_IN_PROFILES or "profile" in case
        if case["expected"] != "malformed":
            assert fmt.kind_of(case["code"]) == "offline2" and fmt.code_id_of(case["code"]) is not None
    if case["expected"] == "valid":
        assert "inputs" in case


def test_v2_vectors_cover_every_profile_in_both_suites() -> None:
    valid = [_load(p) for p in V2_FILES if _load(p)["expected"] == "valid" and "scenario" in _load(p)]
    combos = {(c["expected_fields"]["suite"], c["expected_fields"]["profile"], c["scenario"]) for c in valid}
    for suite in (1, 2):
        assert {(suite, 1, "library_entry"), (suite, 2, "scenic_entry"), (suite, 3, "transit_ride")} <= combos
    # The SM2 ones are fixed signatures: the library can verify them but never mint them again.
    sm = [c for c in valid if c["expected_fields"]["suite"] == 2]
    assert sm and all(c["inputs"]["suite"] == "sm2" for c in sm)


@pytest.mark.parametrize("path", VECTOR_FILES, ids=[p.stem for p in VECTOR_FILES])
def test_vector_is_well_formed(path: Path) -> None:
    case = _load(path)
    assert path.stem == path.stem.lower() and " " not in path.stem
    assert {"description", "kind", "code", "now", "skew", "expected"} <= case.keys()
    assert case["kind"] in ("online", "offline")
    assert ("trust" in case) == (case["kind"] == "offline")
    assert ("online_masters" in case) == (case["kind"] == "online")
    if case["expected"] == "valid":
        assert "expected_fields" in case and "inputs" in case


def _make_vectors_module() -> Any:
    spec = importlib.util.spec_from_file_location("make_vectors", VECTOR_DIR / "make_vectors.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vectors_are_up_to_date_and_deterministic(tmp_path: Path) -> None:
    """make_vectors.py regenerates byte-identical files (and cross-checks the library's minting)."""
    written = _make_vectors_module().main(tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert names == sorted(str(p.relative_to(VECTOR_DIR)) for p in VECTOR_FILES + V2_FILES)
    for path in written:
        assert path.read_bytes() == (VECTOR_DIR / path.relative_to(tmp_path)).read_bytes(), path.name


def test_vectors_pass_with_pycryptodome_backend() -> None:
    """The spec says both Ed25519 backends agree on every vector; check it."""
    ed25519.use_backend("pycryptodome")
    try:
        for path in VECTOR_FILES:
            case = _load(path)
            assert _verify(case).result.value == case["expected"], path.name
    finally:
        ed25519.use_backend("nacl")


def test_spec_lists_every_vector_and_quotes_the_worked_examples() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    for path in VECTOR_FILES:
        assert f"`{path.name}`" in spec, f"{path.name} missing from docs/qr-format.md"
    for name in ("online-valid", "offline-valid", "v2/valid-ed25519-transit"):
        case = _load(VECTOR_DIR / f"{name}.json")
        assert case["code"] in spec and case["expected_fields"]["code_id"] in spec
    for path in V2_FILES:
        assert f"`v2/{path.name}`" in spec, f"v2/{path.name} missing from docs/qr-format.md"
    # The scenario tags the spec tabulates are the library's.
    for name in v2.BUILT_IN_PROFILES:
        assert f"| `{name}` | {v2.BUILT_IN_PROFILES[name].label} | `{v2.scenario_tag(name).hex()}` |" in spec


def _spec_section(number: int) -> str:
    spec = SPEC.read_text(encoding="utf-8")
    start = spec.index(f"\n## {number}. ")
    return spec[start : spec.index("\n## ", start + 1)]


def test_revocation_lists_in_the_spec_and_vectors_are_what_the_server_sends() -> None:
    """Section 10's examples and every list in the vectors decode as the server's own answer type,
    with every member and nothing more (the document follows the server, not the other way)."""
    import msgspec

    from backend.venues.schemas import RevocationList

    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", _spec_section(10), re.S)]
    assert {e["full"] for e in examples} == {True, False}
    assert any(e.get("credentials") for e in examples)  # format 2's member, and kind "credential" in a delta
    assert any(c["kind"] == "credential" for e in examples for c in e.get("changes", []))
    lists = [
        doc
        for path in VECTOR_FILES + V2_FILES
        for case in [_load(path)]
        for doc in [case.get("revocation"), *case.get("revocation_updates", [])]
        if doc
    ]
    assert any(not doc["full"] for doc in lists)
    for doc in examples + lists:
        served = msgspec.json.decode(json.dumps(doc).encode(), type=RevocationList)
        assert json.loads(msgspec.json.encode(served)) == doc
