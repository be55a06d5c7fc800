"""Foreign passports, work permits, the travel permit a residence permit prints, and when two names are one person's."""

from __future__ import annotations

import datetime

import pytest

from backend.identity import names
from backend.identity.documents import (
    DocType,
    DocumentError,
    check_linked,
    make_resident_id,
    mask,
    validate,
    validate_work_permit,
)
from backend.identity.protect import blind_index
from backend.identity.vocab import ISO_ALPHA3, NATIONALITIES

KEY = b"k" * 32
HK_PERMIT = make_resident_id("810000", datetime.date(1992, 11, 30), 45)
MO_PERMIT = make_resident_id("820000", datetime.date(1992, 11, 30), 45)
TW_PERMIT = make_resident_id("830000", datetime.date(1992, 11, 30), 45)


def _code(fn, *args) -> str:
    with pytest.raises(DocumentError) as info:
        fn(*args)
    assert info.value.message
    return info.value.code


def test_passport_is_nationality_then_number():
    doc = validate("foreign_passport", " usa123456789 ")
    assert doc.doc_type is DocType.foreign_passport and doc.number == "USA123456789" and doc.region == "USA"
    assert doc.birth_date is None and doc.sex is None
    assert "123456789" not in repr(doc) and mask(doc.number) == "US********89"


def test_the_blind_index_is_keyed_on_type_nationality_and_number():
    same_number = {blind_index(n, "foreign_passport", KEY) for n in ("USAE1234567", "GBRE1234567", "usae1234567")}
    assert len(same_number) == 2
    assert blind_index("USAE1234567", "foreign_passport", KEY) != blind_index("USAE1234567", "foreign_permanent_residence", KEY)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "document.empty"),
        ("USA 12345678", "document.bad_characters"),
        ("USA-12345678", "document.bad_characters"),
        ("U5A12345678", "document.bad_nationality"),
        ("ZZZ12345678", "document.bad_nationality"),
        ("CHN12345678", "document.not_foreign"),
        ("HKG12345678", "document.not_foreign"),
        ("TWN12345678", "document.not_foreign"),
        ("USA1234", "document.bad_length"),
        ("USA1234567890123", "document.bad_length"),
        ("USAABCDEFGH", "document.bad_characters"),
    ],
)
def test_passport_errors_are_precise(number, code):
    assert _code(validate, "foreign_passport", number) == code


def test_nationalities_are_iso_alpha3_plus_icao_passport_codes():
    assert len(ISO_ALPHA3) == 249 and {"USA", "GBR", "DEU", "KOR", "JPN"} <= NATIONALITIES
    assert {"GBO", "XXA", "RKS"} <= NATIONALITIES and not {"CHN", "HKG", "MAC", "TWN"} & NATIONALITIES


def test_work_permit_numbers():
    assert validate_work_permit(" 156000123456789012 ") == "156000123456789012"
    assert validate_work_permit("a12345678b") == "A12345678B"
    assert _code(validate_work_permit, None) == "document.work_permit_required"
    assert _code(validate_work_permit, "  ") == "document.work_permit_required"
    for bad in ("12345678", "ABCDEFGHIJK", "1234-56789", "1" * 21, 123456789):
        assert _code(validate_work_permit, bad) == "document.bad_work_permit"


def test_a_residence_permit_goes_with_its_regions_travel_permit():
    check_linked(validate("hmt_residence_permit", HK_PERMIT), validate("hk_mo_travel_permit", "H12345678"))
    check_linked(validate("hmt_residence_permit", MO_PERMIT), validate("hk_mo_travel_permit", "M1234567801"))
    check_linked(validate("hmt_residence_permit", TW_PERMIT), validate("tw_travel_permit", "12345678"))
    wrong = [
        (HK_PERMIT, "hk_mo_travel_permit", "M12345678"),
        (MO_PERMIT, "hk_mo_travel_permit", "H12345678"),
        (HK_PERMIT, "tw_travel_permit", "12345678"),
        (TW_PERMIT, "hk_mo_travel_permit", "H12345678"),
        (HK_PERMIT, "resident_id", make_resident_id("440106", datetime.date(1990, 1, 1), 1)),
    ]
    for permit, kind, number in wrong:
        assert (
            _code(check_linked, validate("hmt_residence_permit", permit), validate(kind, number)) == "document.linked_wrong_kind"
        )


def test_names_compare_after_case_width_and_spacing():
    assert names.on_record(["Chan Tai Man"], "CHAN,  TAI MAN")
    assert names.on_record(["陈大文"], " 陈大文 ")
    assert names.on_record(["Ｃｈａｎ Tai Man"], "chan tai man")  # full-width letters
    assert not names.on_record(["Chan Tai Man"], "陈大文")  # a known document: a name on record only


def test_a_new_document_may_bring_the_other_script_once():
    assert names.script("陈大文") == "han" and names.script("CHAN, Tai-Man") == "latin" and names.script("Иван") == "other"
    assert names.may_join(["Chan Tai Man"], "陈大文")  # travel permit Latin, residence permit Chinese
    assert names.may_join(["陈大文"], "CHAN TAI MAN")
    assert not names.may_join(["陈大文"], "陈小文")  # same script, another name: another person
    assert not names.may_join(["陈大文", "Chan Tai Man"], "Wong Siu Ming")  # Latin form already on record
    assert not names.may_join(["Chan Tai Man"], "Иван")  # a script we cannot compare is never taken on trust
