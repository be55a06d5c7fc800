"""At-rest protection: AES-GCM round trips and tamper detection, blind indexes, log redaction."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.identity.documents import RESIDENT_ID_PROVINCES, DocType, check_digit, make_resident_id
from backend.identity.protect import REDACTED, blind_index, decrypt_id, encrypt_id, redact

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
INDEX_KEY = b"i" * 32
WELL_KNOWN = "11010519491231002X"

doc_types = st.sampled_from([t.value for t in DocType])


# --- encryption --------------------------------------------------------------------------


def test_blob_layout() -> None:
    blob = encrypt_id(WELL_KNOWN, "resident_id", KEY)
    assert blob[:1] == b"\x01"
    assert len(blob) == 1 + 12 + len(WELL_KNOWN) + 16
    assert WELL_KNOWN.encode() not in blob
    assert decrypt_id(blob, "resident_id", KEY) == WELL_KNOWN


def test_nonce_is_fresh_each_time() -> None:
    first, second = encrypt_id(WELL_KNOWN, "resident_id", KEY), encrypt_id(WELL_KNOWN, "resident_id", KEY)
    assert first[1:13] != second[1:13]
    assert first != second


def test_enum_and_string_doc_types_are_interchangeable() -> None:
    blob = encrypt_id(WELL_KNOWN, DocType.resident_id, KEY)
    assert decrypt_id(blob, "resident_id", KEY) == WELL_KNOWN


def test_wrong_key_fails() -> None:
    blob = encrypt_id(WELL_KNOWN, "resident_id", KEY)
    with pytest.raises(ValueError):
        decrypt_id(blob, "resident_id", OTHER_KEY)


def test_wrong_doc_type_fails() -> None:
    blob = encrypt_id(WELL_KNOWN, "resident_id", KEY)
    with pytest.raises(ValueError):
        decrypt_id(blob, "hmt_residence_permit", KEY)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" + b"\x00" * 27, b"\x02" + b"\x00" * 40])
def test_truncated_or_unknown_version_fails(blob: bytes) -> None:
    with pytest.raises(ValueError):
        decrypt_id(blob, "resident_id", KEY)


@pytest.mark.parametrize("key", [b"", b"k" * 16, b"k" * 24, b"k" * 33])
def test_encryption_needs_a_256_bit_key(key: bytes) -> None:
    with pytest.raises(ValueError):
        encrypt_id(WELL_KNOWN, "resident_id", key)
    with pytest.raises(ValueError):
        decrypt_id(b"\x01" + b"\x00" * 40, "resident_id", key)


@pytest.mark.parametrize("doc_type", ["", "resident_id|x"])
def test_doc_type_must_not_be_ambiguous(doc_type: str) -> None:
    with pytest.raises(ValueError):
        encrypt_id(WELL_KNOWN, doc_type, KEY)
    with pytest.raises(ValueError):
        blind_index(WELL_KNOWN, doc_type, INDEX_KEY)


@given(st.text(), doc_types)
def test_encrypt_decrypt_round_trip(number: str, doc_type: str) -> None:
    assert decrypt_id(encrypt_id(number, doc_type, KEY), doc_type, KEY) == number


@given(st.text(min_size=1, max_size=20), st.data())
def test_tampering_with_any_byte_fails(number: str, data: st.DataObject) -> None:
    blob = bytearray(encrypt_id(number, "resident_id", KEY))
    position = data.draw(st.integers(0, len(blob) - 1))
    blob[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ValueError):
        decrypt_id(bytes(blob), "resident_id", KEY)


@given(st.text(max_size=20), st.data())
def test_truncating_or_extending_fails(number: str, data: st.DataObject) -> None:
    blob = encrypt_id(number, "resident_id", KEY)
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(ValueError):
        decrypt_id(blob[:cut], "resident_id", KEY)
    with pytest.raises(ValueError):
        decrypt_id(blob + data.draw(st.binary(min_size=1, max_size=4)), "resident_id", KEY)


# --- blind index -------------------------------------------------------------------------


def test_blind_index_shape_and_normalisation() -> None:
    index = blind_index(WELL_KNOWN, "resident_id", INDEX_KEY)
    assert len(index) == 64 and int(index, 16) >= 0
    assert blind_index(" 11010519491231002x ", DocType.resident_id, INDEX_KEY) == index
    assert blind_index(WELL_KNOWN, "hmt_residence_permit", INDEX_KEY) != index


@pytest.mark.parametrize("key", [b"", b"k" * 16, b"k" * 31])
def test_blind_index_needs_a_long_key(key: bytes) -> None:
    with pytest.raises(ValueError):
        blind_index(WELL_KNOWN, "resident_id", key)


@given(st.text(), doc_types, st.binary(min_size=32, max_size=64), st.binary(min_size=32, max_size=64))
def test_blind_index_is_deterministic_and_key_dependent(number: str, doc_type: str, key: bytes, other: bytes) -> None:
    index = blind_index(number, doc_type, key)
    assert index == blind_index(number, doc_type, key)
    if other != key:
        assert blind_index(number, doc_type, other) != index


@given(st.text(min_size=1), st.text(min_size=1))
def test_blind_index_separates_distinct_numbers(first: str, second: str) -> None:
    if first.strip().upper() != second.strip().upper():
        assert blind_index(first, "resident_id", INDEX_KEY) != blind_index(second, "resident_id", INDEX_KEY)


# --- redaction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"holder {WELL_KNOWN} signed in", f"holder {REDACTED} signed in"),
        (f"id={WELL_KNOWN.lower()};", f"id={REDACTED};"),
        (f"abc{WELL_KNOWN}def", f"abc{REDACTED}def"),
        (f"ABC{WELL_KNOWN}", REDACTED),
        ("x110105194912310021y", f"x{REDACTED}y"),  # bad checksum still looks like an ID
        ("permit H12345678 and M1234567801", f"permit {REDACTED} and {REDACTED}"),
        ("permit:h12345678", f"permit:{REDACTED}"),
        ("foreign card USA310085061512.", f"foreign card {REDACTED}."),
        (f"n={'１１０１０５１９４９１２３１００２'}X", f"n={REDACTED}"),  # full-width digits
        ("seq 1234567890123456789012", f"seq {REDACTED}"),  # a long run goes entirely
    ],
)
def test_redact_examples(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "request 3f2a9c1e4b5d6e7f8091a2b3c4d5e6f7 done",
        "request 0123456789abcdef0123456789abcdef done",
        "rid=ab123456789012345678cdef01234567",  # 18 digits, invalid checksum, inside a hex id
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "at 2026-05-01T12:34:56.123456+08:00 and 2026-05-01T04:34:56Z",
        "uuid 550e8400-e29b-41d4-a716-446655440000",
        "phone 13800138000, ts 1746070496.123, amount 12345678901234567",
        "item12345678 mhz400000000",
        "taiwan permit 12345678 is not distinguishable from other numbers",
        "",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_hex_id_holding_a_valid_number_is_still_redacted() -> None:
    valid = make_resident_id("440106", datetime.date(1990, 1, 1), 1)
    assert valid.isdigit()
    text = f"rid=ab{valid}cdef0123456789"
    assert valid not in redact(text)


def test_redact_inside_a_json_log_line() -> None:
    rid = uuid.uuid4().hex
    line = json.dumps({"msg": f"lookup {WELL_KNOWN} failed", "request_id": rid}, ensure_ascii=False)
    cleaned = redact(line)
    assert WELL_KNOWN not in cleaned
    assert json.loads(cleaned) == {"msg": f"lookup {REDACTED} failed", "request_id": rid}


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(RESIDENT_ID_PROVINCES)))
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2026, 1, 1)))
    return make_resident_id(f"{province}0101", born, draw(st.integers(0, 999)))


def _hk_mo() -> st.SearchStrategy[str]:
    digits = st.text("0123456789", min_size=8, max_size=8)
    return st.builds(lambda letter, body, tail: letter + body + tail, st.sampled_from("HM"), digits, st.sampled_from(["", "07"]))


def _old_foreign() -> st.SearchStrategy[str]:
    return st.builds(
        lambda letters, digits: letters + digits,
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
        st.text("0123456789", min_size=12, max_size=12),
    )


def _permits() -> st.SearchStrategy[str]:
    return st.builds(
        lambda first17: first17 + check_digit(first17),
        st.sampled_from(["810000", "820000", "830000", "931840"]).flatmap(
            lambda prefix: st.text("0123456789", min_size=11, max_size=11).map(lambda rest: prefix + rest)
        ),
    )


identity_numbers = st.one_of(resident_ids(), _permits(), _hk_mo(), _old_foreign())


@given(st.text(), identity_numbers, st.text())
def test_redact_removes_every_embedded_number(before: str, number: str, after: str) -> None:
    assert number not in redact(before + number + after)


@given(st.lists(st.tuples(st.text(max_size=10), identity_numbers), min_size=1, max_size=5))
def test_redact_removes_several_numbers(parts: list[tuple[str, str]]) -> None:
    text = "".join(filler + number for filler, number in parts)
    cleaned = redact(text)
    for _, number in parts:
        assert number not in cleaned


@given(st.datetimes())
def test_redact_keeps_iso_timestamps(moment: datetime.datetime) -> None:
    text = f"at {moment.isoformat()} ok"
    assert redact(text) == text


@given(st.uuids())
def test_redact_keeps_uuids(value: uuid.UUID) -> None:
    text = f"request {value} ok"
    assert redact(text) == text


@given(st.text("0123456789abcdefABCDEFXHM -", max_size=40), identity_numbers, st.text("0123456789abcdefX", max_size=40))
def test_redact_removes_numbers_hidden_in_hex_like_text(before: str, number: str, after: str) -> None:
    assert number not in redact(before + number + after)
