"""Identity document validation: one example per error code plus generated properties."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from backend.identity.documents import (
    HMT_PREFIXES,
    RESIDENT_ID_PROVINCES,
    DocType,
    Document,
    DocumentError,
    check_digit,
    make_resident_id,
    mask,
    validate,
)

TODAY = datetime.date(2026, 5, 1)
WELL_KNOWN = "11010519491231002X"  # the GB 11643-1999 standard's own worked example


def _with_check(first17: str) -> str:
    return first17 + check_digit(first17)


def _error(doc_type: DocType | str, number: object, today: datetime.date = TODAY) -> str:
    with pytest.raises(DocumentError) as info:
        validate(doc_type, number, today=today)  # type: ignore[arg-type]
    assert info.value.message
    assert str(info.value) == info.value.message
    return info.value.code


# --- known-valid numbers ---------------------------------------------------------------


def test_well_known_resident_id() -> None:
    doc = validate(DocType.resident_id, WELL_KNOWN, today=TODAY)
    assert doc == Document(
        doc_type=DocType.resident_id,
        number=WELL_KNOWN,
        birth_date=datetime.date(1949, 12, 31),
        sex="F",
        region="110105",
    )


def test_check_digit_matches_well_known_number() -> None:
    assert check_digit(WELL_KNOWN[:17]) == "X"
    assert check_digit("44030419900101001") == make_resident_id("440304", datetime.date(1990, 1, 1), 1)[-1]


def test_lowercase_x_and_surrounding_whitespace_are_normalised() -> None:
    doc = validate("resident_id", "  11010519491231002x\t", today=TODAY)
    assert doc.number == WELL_KNOWN


def test_doc_type_accepts_plain_string() -> None:
    assert validate("resident_id", WELL_KNOWN, today=TODAY).doc_type is DocType.resident_id


def test_today_may_be_a_datetime() -> None:
    assert validate(DocType.resident_id, WELL_KNOWN, today=datetime.datetime(2026, 5, 1, 12, 0)).sex == "F"


def test_today_defaults_to_the_real_date() -> None:
    assert validate(DocType.resident_id, WELL_KNOWN).birth_date == datetime.date(1949, 12, 31)


def test_sex_comes_from_the_17th_digit() -> None:
    male = make_resident_id("440106", datetime.date(1985, 6, 15), 123)
    female = make_resident_id("440106", datetime.date(1985, 6, 15), 124)
    assert validate(DocType.resident_id, male, today=TODAY).sex == "M"
    assert validate(DocType.resident_id, female, today=TODAY).sex == "F"


def test_taiwan_province_code_is_a_valid_resident_region() -> None:
    number = make_resident_id("710000", datetime.date(1970, 1, 1), 10)
    assert validate(DocType.resident_id, number, today=TODAY).region == "710000"


def test_province_level_region_without_county_is_accepted() -> None:
    number = make_resident_id("440000", datetime.date(1970, 1, 1), 10)
    assert validate(DocType.resident_id, number, today=TODAY).region == "440000"


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_residence_permit(prefix: str) -> None:
    number = make_resident_id(prefix, datetime.date(1995, 2, 28), 51)
    doc = validate(DocType.hmt_residence_permit, number, today=TODAY)
    assert (doc.region, doc.birth_date, doc.sex) == (prefix, datetime.date(1995, 2, 28), "M")


@pytest.mark.parametrize(
    ("number", "region"),
    [("H12345678", "HK"), ("M12345678", "MO"), ("h1234567801", "HK"), (" m0000000002 ", "MO")],
)
def test_hk_mo_travel_permit(number: str, region: str) -> None:
    doc = validate(DocType.hk_mo_travel_permit, number)
    assert doc.region == region
    assert doc.number == number.strip().upper()
    assert doc.birth_date is None and doc.sex is None


@pytest.mark.parametrize("number", ["12345678", "1234567890"])
def test_tw_travel_permit(number: str) -> None:
    doc = validate(DocType.tw_travel_permit, number)
    assert (doc.number, doc.region, doc.birth_date, doc.sex) == (number, "TW", None, None)


def test_old_foreign_permanent_residence_card() -> None:
    doc = validate(DocType.foreign_permanent_residence, "usa310085061512", today=TODAY)
    assert doc.number == "USA310085061512"
    assert doc.region == "USA"
    assert doc.birth_date == datetime.date(1985, 6, 15)
    assert doc.sex is None


def test_old_foreign_card_two_digit_year_picks_latest_past_century() -> None:
    assert validate(DocType.foreign_permanent_residence, "GBR440010030101", today=TODAY).birth_date == (datetime.date(2010, 3, 1))
    # 2000-02-29 is real; 1900-02-29 is not, so the century must be 2000.
    assert validate(DocType.foreign_permanent_residence, "FRA440000022901", today=TODAY).birth_date == (
        datetime.date(2000, 2, 29)
    )
    # 2099 would be in the future, so 1999.
    assert validate(DocType.foreign_permanent_residence, "DEU440099123101", today=TODAY).birth_date == (
        datetime.date(1999, 12, 31)
    )


def test_new_foreign_permanent_residence_card() -> None:
    number = make_resident_id("931840", datetime.date(1980, 7, 4), 35)
    doc = validate(DocType.foreign_permanent_residence, number, today=TODAY)
    assert (doc.region, doc.birth_date, doc.sex) == ("931840", datetime.date(1980, 7, 4), "M")


def test_birth_today_is_allowed_and_1900_is_allowed() -> None:
    assert validate("resident_id", make_resident_id("440106", TODAY, 1), today=TODAY).birth_date == TODAY
    first = datetime.date(1900, 1, 1)
    assert validate("resident_id", make_resident_id("440106", first, 1), today=TODAY).birth_date == first


def test_document_repr_masks_the_number() -> None:
    text = repr(validate(DocType.resident_id, WELL_KNOWN, today=TODAY))
    assert WELL_KNOWN not in text
    assert "11**************2X" in text


# --- every error code ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["", "   ", "\t\n", None])
def test_empty(number: str | None) -> None:
    assert _error(DocType.resident_id, number) == "document.empty"


@pytest.mark.parametrize("doc_type", ["passport", "", "RESIDENT_ID", 3, None])
def test_unknown_type(doc_type: object) -> None:
    assert _error(doc_type, WELL_KNOWN) == "document.unknown_type"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (DocType.resident_id, WELL_KNOWN[:-1]),
        (DocType.resident_id, WELL_KNOWN + "1"),
        (DocType.resident_id, "110105490101001"),  # the retired 15-digit first-generation card
        (DocType.hmt_residence_permit, "81000019900101001"),
        (DocType.hk_mo_travel_permit, "H1234567"),
        (DocType.hk_mo_travel_permit, "H123456789"),
        (DocType.hk_mo_travel_permit, "H123456789012"),
        (DocType.tw_travel_permit, "1234567"),
        (DocType.tw_travel_permit, "123456789"),
        (DocType.foreign_permanent_residence, "USA31008506151"),
        (DocType.foreign_permanent_residence, "USA3100850615123"),
    ],
)
def test_bad_length(doc_type: DocType, number: str) -> None:
    assert _error(doc_type, number) == "document.bad_length"


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (DocType.resident_id, "110105 19491231002X"),  # internal space
        (DocType.resident_id, "110105-19491231002X"),
        (DocType.resident_id, "1101051949123100!X"),
        (DocType.resident_id, "1101051949X231002X"),  # X only allowed last
        (DocType.resident_id, "A1010519491231002X"),
        (DocType.resident_id, "１１０１０５１９４９１２３１００２X"),  # full-width digits
        (DocType.resident_id, 11010519491231002),
        (DocType.hmt_residence_permit, "81000019900101001Y"),
        (DocType.hk_mo_travel_permit, "H1234 5678"),
        (DocType.hk_mo_travel_permit, "H1234567A"),
        (DocType.tw_travel_permit, "1234567X"),
        (DocType.foreign_permanent_residence, "US1310085061512"),
        (DocType.foreign_permanent_residence, "USA31008506151X"),
        (DocType.foreign_permanent_residence, "9318401980070403A5"),
        (DocType.foreign_permanent_residence, "USA-310085061512"),
    ],
)
def test_bad_characters(doc_type: DocType, number: object) -> None:
    assert _error(doc_type, number) == "document.bad_characters"


@pytest.mark.parametrize(
    "region",
    [
        "910000",  # foreign-card prefix, never on a resident ID
        "810000",  # Hong Kong: residence permits only
        "820000",
        "830000",
        "000000",
        "100105",
        "160105",
        "720105",
        "440023",  # city 00 with a county code is malformed
    ],
)
def test_bad_region(region: str) -> None:
    number = make_resident_id(region, datetime.date(1990, 1, 1), 1)
    assert _error(DocType.resident_id, number) == "document.bad_region"


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (DocType.hmt_residence_permit, make_resident_id("440106", datetime.date(1990, 1, 1), 1)),
        (DocType.hmt_residence_permit, make_resident_id("810001", datetime.date(1990, 1, 1), 1)),
        (DocType.hmt_residence_permit, make_resident_id("840000", datetime.date(1990, 1, 1), 1)),
        (DocType.hk_mo_travel_permit, "A12345678"),
        (DocType.hk_mo_travel_permit, "112345678"),
        (DocType.hk_mo_travel_permit, "T1234567801"),
        (DocType.foreign_permanent_residence, make_resident_id("131840", datetime.date(1990, 1, 1), 1)),
    ],
)
def test_wrong_prefix(doc_type: DocType, number: str) -> None:
    assert _error(doc_type, number) == "document.wrong_prefix"


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (DocType.resident_id, _with_check("11010519490230002")),  # 30 February
        (DocType.resident_id, _with_check("11010519491301002")),  # month 13
        (DocType.resident_id, _with_check("11010519490100002")),  # day 0
        (DocType.resident_id, _with_check("11010520230229002")),  # 2023 is not a leap year
        (DocType.resident_id, _with_check("11010500000101002")),  # year 0
        (DocType.hmt_residence_permit, _with_check("81000019900431002")),
        (DocType.foreign_permanent_residence, _with_check("93184019800732035")),
        (DocType.foreign_permanent_residence, "USA310085023012"),
        (DocType.foreign_permanent_residence, "USA310085130112"),
    ],
)
def test_bad_birth_date(doc_type: DocType, number: str) -> None:
    assert _error(doc_type, number) == "document.bad_birth_date"


def test_future_birth_date() -> None:
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert _error(DocType.resident_id, make_resident_id("440106", tomorrow, 1)) == "document.future_birth_date"
    assert _error(DocType.resident_id, _with_check("44010620990101001")) == "document.future_birth_date"
    permit = make_resident_id("810000", datetime.date(2030, 1, 1), 1)
    assert _error(DocType.hmt_residence_permit, permit) == "document.future_birth_date"


def test_too_old() -> None:
    assert _error(DocType.resident_id, _with_check("11010518991231002")) == "document.too_old"
    assert _error(DocType.resident_id, _with_check("11010500010101002")) == "document.too_old"
    foreign = make_resident_id("931840", datetime.date(1850, 1, 1), 1)
    assert _error(DocType.foreign_permanent_residence, foreign) == "document.too_old"


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (DocType.resident_id, "110105194912310021"),
        (DocType.resident_id, "110105194912310029"),
        (DocType.resident_id, "11010519491231003X"),
        (DocType.hmt_residence_permit, "810000199001010010"),
        (DocType.foreign_permanent_residence, "931840198007040350"),
    ],
)
def test_bad_checksum(doc_type: DocType, number: str) -> None:
    assume_valid = number[:17] + check_digit(number[:17])
    assert assume_valid != number
    assert _error(doc_type, number) == "document.bad_checksum"


def test_error_messages_do_not_echo_the_number() -> None:
    with pytest.raises(DocumentError) as info:
        validate(DocType.resident_id, "110105194912310021", today=TODAY)
    assert "110105194912310021" not in info.value.message
    assert "110105194912310021" not in repr(info.value)


# --- helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100A", "１" * 17])
def test_check_digit_rejects_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError):
        check_digit(bad)


@pytest.mark.parametrize(("region", "seq"), [("11010", 1), ("1101055", 1), ("11010A", 1), ("110105", -1), ("110105", 1000)])
def test_make_resident_id_rejects_bad_input(region: str, seq: int) -> None:
    with pytest.raises(ValueError):
        make_resident_id(region, datetime.date(1990, 1, 1), seq)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        (WELL_KNOWN, "11**************2X"),
        ("H12345678", "H1*****78"),
        ("12345", "12*45"),
        ("1234", "****"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_mask_examples(number: str, masked: str) -> None:
    assert mask(number) == masked


# --- properties --------------------------------------------------------------------------


@st.composite
def resident_regions(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(RESIDENT_ID_PROVINCES)))
    city = draw(st.integers(0, 99))
    county = draw(st.integers(0, 99))
    assume(not (city == 0 and county != 0))
    return f"{province}{city:02d}{county:02d}"


birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)


@st.composite
def eighteen_digit_documents(draw: st.DrawFn) -> tuple[DocType, str, datetime.date, int, str]:
    kind = draw(st.sampled_from([DocType.resident_id, DocType.hmt_residence_permit, DocType.foreign_permanent_residence]))
    if kind is DocType.resident_id:
        region = draw(resident_regions())
    elif kind is DocType.hmt_residence_permit:
        region = draw(st.sampled_from(sorted(HMT_PREFIXES)))
    else:
        region = "9" + draw(st.text("0123456789", min_size=5, max_size=5))
    born, seq = draw(birth_dates), draw(sequences)
    return kind, region, born, seq, make_resident_id(region, born, seq)


@given(eighteen_digit_documents())
def test_generated_eighteen_digit_numbers_validate_and_round_trip(
    case: tuple[DocType, str, datetime.date, int, str],
) -> None:
    kind, region, born, seq, number = case
    doc = validate(kind, number, today=TODAY)
    assert doc.number == number
    assert doc.doc_type is kind
    assert doc.region == region
    assert doc.birth_date == born
    assert doc.sex == ("M" if seq % 2 else "F")
    assert validate(kind.value, doc.number, today=TODAY) == doc
    assert validate(kind, f" {number.lower()} ", today=TODAY) == doc


@given(resident_regions(), birth_dates, sequences, st.integers(0, 17), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(region: str, born: datetime.date, seq: int, position: int, shift: int) -> None:
    number = make_resident_id(region, born, seq)
    current = number[position]
    replacement = str((int(current) + shift) % 10) if current != "X" else str(shift)
    changed = number[:position] + replacement + number[position + 1 :]
    assert changed != number
    with pytest.raises(DocumentError) as info:
        validate(DocType.resident_id, changed, today=TODAY)
    assert info.value.code in {
        "document.bad_checksum",
        "document.bad_region",
        "document.bad_birth_date",
        "document.future_birth_date",
        "document.too_old",
    }


@given(st.sampled_from(["H", "M"]), st.text("0123456789", min_size=8, max_size=8), st.sampled_from(["", "00", "12"]))
def test_generated_hk_mo_permits_validate(letter: str, digits: str, renewal: str) -> None:
    number = letter + digits + renewal
    doc = validate(DocType.hk_mo_travel_permit, number.lower())
    assert doc.number == number
    assert doc.region == {"H": "HK", "M": "MO"}[letter]


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3), st.integers(0, 9999), birth_dates, st.integers(0, 99))
def test_generated_old_foreign_cards_validate(nationality: str, office: int, born: datetime.date, seq: int) -> None:
    number = f"{nationality}{office:04d}{born:%y%m%d}{seq:02d}"
    doc = validate(DocType.foreign_permanent_residence, number, today=TODAY)
    assert doc.region == nationality
    assert doc.birth_date is not None
    assert doc.birth_date.strftime("%y%m%d") == f"{born:%y%m%d}"
    assert datetime.date(1900, 1, 1) <= doc.birth_date <= TODAY


@given(st.one_of(st.sampled_from(list(DocType)), st.text()), st.text())
def test_arbitrary_text_only_ever_raises_document_error(doc_type: DocType | str, number: str) -> None:
    try:
        doc = validate(doc_type, number, today=TODAY)
    except DocumentError as exc:
        assert exc.code.startswith("document.")
    else:
        assert doc.number == number.strip().upper()


@given(st.sampled_from(list(DocType)), st.text(alphabet="0123456789X HMUSA-", max_size=20))
def test_number_like_text_only_ever_raises_document_error(doc_type: DocType, number: str) -> None:
    try:
        validate(doc_type, number, today=TODAY)
    except DocumentError:
        pass


@given(st.text())
def test_mask_never_reveals_more_than_four_characters(number: str) -> None:
    masked = mask(number)
    assert len(masked) == len(number)
    assert sum(1 for ch in masked if ch != "*") <= 4
    if len(number) > 4:
        assert masked == number[:2] + "*" * (len(number) - 4) + number[-2:]
    else:
        assert masked == "*" * len(number)
