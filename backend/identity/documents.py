"""Validate, normalise and mask the identity document numbers a card holder may present."""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import dataclass

from backend.identity.vocab import NATIONALITIES, NOT_FOREIGN


class DocType(str, enum.Enum):
    """The kinds of identity document the service accepts."""

    # 18-digit PRC resident identity card (GB 11643-1999).
    resident_id = "resident_id"
    # Residence permit for Hong Kong, Macao and Taiwan residents: resident-ID layout, fixed prefix.
    hmt_residence_permit = "hmt_residence_permit"
    # 港澳居民来往内地通行证 (Home Return Permit): H/M + 8 digits, optionally + 2-digit renewal count.
    hk_mo_travel_permit = "hk_mo_travel_permit"
    # 台湾居民来往大陆通行证: 8 digits, or the older 10-digit form.
    tw_travel_permit = "tw_travel_permit"
    # 外国人永久居留身份证: 15-character pre-2023 card or 18-character 2023 card.
    foreign_permanent_residence = "foreign_permanent_residence"
    # A foreign passport, for foreigners employed and insured in the province: the ISO 3166-1
    # alpha-3 nationality followed by the passport number (USA + 123456789 -> "USA123456789"),
    # so the blind index is keyed on type + nationality + number. Registering or applying with
    # it also needs the work permit number (外国人工作许可证), see validate_work_permit().
    foreign_passport = "foreign_passport"


class DocumentError(ValueError):
    """A document number is wrong; `code` is stable for clients, `message` is for people.

    Messages never echo the number itself, so the error is safe to log and return.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"DocumentError({self.code!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class Document:
    """A validated document: the normalised number plus what it encodes."""

    doc_type: DocType
    number: str
    birth_date: datetime.date | None = None
    sex: str | None = None
    region: str | None = None

    def __repr__(self) -> str:
        # The repr ends up in tracebacks and debug logs, so it must not carry the full number.
        return (
            f"Document(doc_type={self.doc_type.value!r}, number={mask(self.number)!r}, "
            f"birth_date={self.birth_date!r}, sex={self.sex!r}, region={self.region!r})"
        )


# GB 11643-1999 / ISO 7064 MOD 11-2.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# Province-level codes (GB/T 2260) that may start a resident identity card number.
# 81/82/83 (Hong Kong, Macao, Taiwan residence permits) and 91 (foreign cards) are
# deliberately absent: those prefixes never appear on a resident identity card.
RESIDENT_ID_PROVINCES: frozenset[str] = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
    )
)

# Residence permits carry a fixed six-digit prefix per origin instead of the holder's locality.
HMT_PREFIXES: dict[str, str] = {"810000": "HK", "820000": "MO", "830000": "TW"}

_HK_MO_PREFIXES = {"H": "HK", "M": "MO"}

# re.ASCII because str.isdigit() and \d accept e.g. Arabic-Indic or full-width digits,
# which would then fail int() arithmetic or slip odd characters into stored numbers.
_DIGITS = re.compile(r"[0-9]*", re.ASCII)
_DIGITS_AND_LETTERS = re.compile(r"[0-9A-Z]*", re.ASCII)
_DIGITS_AND_X = re.compile(r"[0-9X]*", re.ASCII)
_EIGHTEEN = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_OLD_FOREIGN = re.compile(r"[A-Z]{3}[0-9]{12}", re.ASCII)
_LETTERS3 = re.compile(r"[A-Z]{3}", re.ASCII)
_A_DIGIT = re.compile(r"[0-9]", re.ASCII)
# ICAO Doc 9303 gives the document number 9 characters in the machine-readable zone; a few
# states' numbers run longer (into the optional data field), none is shorter than 5.
PASSPORT_NUMBER_LENGTHS = (5, 12)
# 外国人工作许可证 numbers: digits, possibly with capital letters, 9 to 20 characters.
_WORK_PERMIT = re.compile(r"[0-9A-Z]{9,20}", re.ASCII)

_EARLIEST_BIRTH_YEAR = 1900


def normalize(number: str) -> str:
    """Strip surrounding whitespace and upper-case letters; nothing else is touched.

    Internal spaces or dashes are left in place so validation rejects them rather than
    silently accepting a number the holder typed differently from their card.
    """
    return number.strip().upper()


def check_digit(first17: str) -> str:
    """Return the GB 11643 check character ('0'-'9' or 'X') for the first 17 digits."""
    if len(first17) != 17 or not _DIGITS.fullmatch(first17):
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=False))
    return _CHECK_CHARS[total % 11]


def make_resident_id(region: str, birth: datetime.date, seq: int) -> str:
    """Build a well-formed 18-digit number: region + YYYYMMDD + 3-digit sequence + check.

    The sequence's last digit sets the sex (odd male, even female). Also usable for
    residence permits (region '810000' etc.) and new foreign cards (region '9xxxxx').
    """
    if len(region) != 6 or not _DIGITS.fullmatch(region):
        raise ValueError("region must be exactly 6 ASCII digits")
    if not 0 <= seq <= 999:
        raise ValueError("seq must be between 0 and 999")
    if not 1 <= birth.year <= 9999:
        raise ValueError("birth year out of range")
    first17 = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return first17 + check_digit(first17)


def mask(number: str) -> str:
    """Show only the first 2 and last 2 characters; short numbers are masked entirely."""
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def validate(doc_type: DocType | str, number: str, *, today: datetime.date | None = None) -> Document:
    """Check a document number and return it normalised with its decoded fields.

    Raises DocumentError with a precise `code` for the first problem found. Structural
    problems (characters, length, prefix, region, birth date) are reported before the
    checksum, because they tell the holder which part of the number is wrong.
    """
    kind = _doc_type(doc_type)
    if number is None or (isinstance(number, str) and not number.strip()):
        raise DocumentError("document.empty", "Enter the document number.")
    if not isinstance(number, str):
        raise DocumentError("document.bad_characters", "The document number must be text.")
    if today is None:
        today = datetime.date.today()
    elif isinstance(today, datetime.datetime):
        # date < datetime raises TypeError, so compare like with like.
        today = today.date()
    value = normalize(number)
    if kind is DocType.resident_id:
        return _validate_resident_id(value, today)
    if kind is DocType.hmt_residence_permit:
        return _validate_hmt_permit(value, today)
    if kind is DocType.hk_mo_travel_permit:
        return _validate_hk_mo_permit(value)
    if kind is DocType.tw_travel_permit:
        return _validate_tw_permit(value)
    if kind is DocType.foreign_passport:
        return _validate_passport(value)
    return _validate_foreign(value, today)


def _doc_type(doc_type: object) -> DocType:
    if isinstance(doc_type, DocType):
        return doc_type
    if isinstance(doc_type, str):
        try:
            return DocType(doc_type)
        except ValueError:
            pass
    raise DocumentError("document.unknown_type", "This kind of identity document is not supported.")


def _bad_characters(what: str) -> DocumentError:
    return DocumentError("document.bad_characters", f"The number contains characters a {what} cannot have.")


def _bad_length(what: str, lengths: str) -> DocumentError:
    return DocumentError("document.bad_length", f"A {what} number has {lengths} characters.")


def _check_eighteen(value: str, what: str) -> None:
    """Character set, length and layout shared by every 18-character GB 11643 number."""
    if not _DIGITS_AND_X.fullmatch(value):
        raise _bad_characters(what)
    if len(value) != 18:
        raise _bad_length(what, "18")
    if not _EIGHTEEN.fullmatch(value):
        # Only the final check character may be a letter.
        raise DocumentError("document.bad_characters", f"Only the last character of a {what} number may be X.")


def _check_resident_region(value: str) -> None:
    """The first six digits are province (2), city (2) and county (2) codes.

    The province must be one a resident identity card can carry. A city of "00" means
    the code names the province itself, so it may not be followed by a county code.
    """
    province, city, county = value[0:2], value[2:4], value[4:6]
    if province not in RESIDENT_ID_PROVINCES or (city == "00" and county != "00"):
        raise DocumentError("document.bad_region", "The first six digits are not a valid region code.")


def _birth_date(year: int, month: int, day: int, today: datetime.date) -> datetime.date:
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        raise DocumentError("document.bad_birth_date", "The birth date in the number is not a real date.") from None
    if born > today:
        raise DocumentError("document.future_birth_date", "The birth date in the number is in the future.")
    if born.year < _EARLIEST_BIRTH_YEAR:
        raise DocumentError("document.too_old", "The birth date in the number is before 1900.")
    return born


def _decode_eighteen(value: str, kind: DocType, what: str, today: datetime.date) -> Document:
    born = _birth_date(int(value[6:10]), int(value[10:12]), int(value[12:14]), today)
    if check_digit(value[:17]) != value[17]:
        raise DocumentError("document.bad_checksum", f"The {what} number does not add up; check it for typos.")
    sex = "M" if int(value[16]) % 2 else "F"
    return Document(doc_type=kind, number=value, birth_date=born, sex=sex, region=value[:6])


def _validate_resident_id(value: str, today: datetime.date) -> Document:
    what = "resident identity card"
    _check_eighteen(value, what)
    _check_resident_region(value)
    return _decode_eighteen(value, DocType.resident_id, what, today)


def _validate_hmt_permit(value: str, today: datetime.date) -> Document:
    what = "residence permit"
    _check_eighteen(value, what)
    if value[:6] not in HMT_PREFIXES:
        raise DocumentError(
            "document.wrong_prefix",
            "A Hong Kong, Macao or Taiwan residence permit number starts with 810000, 820000 or 830000.",
        )
    return _decode_eighteen(value, DocType.hmt_residence_permit, what, today)


def _validate_hk_mo_permit(value: str) -> Document:
    what = "Hong Kong/Macao travel permit"
    if not _DIGITS_AND_LETTERS.fullmatch(value):
        raise _bad_characters(what)
    if len(value) not in (9, 11):
        raise _bad_length(what, "9 or 11")
    if value[0] not in _HK_MO_PREFIXES:
        raise DocumentError("document.wrong_prefix", "A Hong Kong/Macao travel permit number starts with H or M.")
    if not _DIGITS.fullmatch(value[1:]):
        raise DocumentError("document.bad_characters", f"After the first letter a {what} number has only digits.")
    return Document(doc_type=DocType.hk_mo_travel_permit, number=value, region=_HK_MO_PREFIXES[value[0]])


def _validate_tw_permit(value: str) -> Document:
    what = "Taiwan travel permit"
    if not _DIGITS.fullmatch(value):
        raise _bad_characters(what)
    if len(value) not in (8, 10):
        raise _bad_length(what, "8 or 10")
    return Document(doc_type=DocType.tw_travel_permit, number=value, region="TW")


def _validate_foreign(value: str, today: datetime.date) -> Document:
    """Two card generations are in circulation and the length tells them apart.

    Pre-2023 (15 chars): 3-letter ISO 3166 nationality + 12 digits, with a YYMMDD birth
    date at value[7:13]; it has no check digit we can verify. 2023 format (18 chars):
    starts with '9', GB 11643 layout and check digit, YYYYMMDD birth date at value[6:14].
    """
    what = "foreign permanent residence card"
    if not _DIGITS_AND_LETTERS.fullmatch(value):
        raise _bad_characters(what)
    if len(value) == 15:
        if not _OLD_FOREIGN.fullmatch(value):
            raise DocumentError("document.bad_characters", f"A 15-character {what} number is 3 letters followed by 12 digits.")
        born = _two_digit_year_birth(value[7:13], today)
        return Document(doc_type=DocType.foreign_permanent_residence, number=value, birth_date=born, region=value[:3])
    if len(value) == 18:
        _check_eighteen(value, what)
        if value[0] != "9":
            raise DocumentError("document.wrong_prefix", f"An 18-character {what} number starts with 9.")
        return _decode_eighteen(value, DocType.foreign_permanent_residence, what, today)
    raise _bad_length(what, "15 or 18")


def _two_digit_year_birth(yymmdd: str, today: datetime.date) -> datetime.date:
    """Pick the latest century that puts the birth date on or before today.

    So the result is never in the future nor before 1900; only an impossible date fails.
    """
    yy, month, day = int(yymmdd[0:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    for century in (2000, 1900):
        try:
            born = datetime.date(century + yy, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    raise DocumentError("document.bad_birth_date", "The birth date in the number is not a real date.")


def _validate_passport(value: str) -> Document:
    """Nationality (3 letters, ISO 3166-1 alpha-3 or an ICAO passport code) then the number."""
    what = "foreign passport"
    if not _DIGITS_AND_LETTERS.fullmatch(value):
        raise _bad_characters(what)
    nationality, number = value[:3], value[3:]
    if not _LETTERS3.fullmatch(nationality):
        raise DocumentError(
            "document.bad_nationality", "A foreign passport starts with the 3-letter nationality code (ISO 3166-1 alpha-3)."
        )
    if nationality in NOT_FOREIGN:
        raise DocumentError(
            "document.not_foreign",
            "Chinese nationals (mainland, Hong Kong, Macao, Taiwan) use their resident card, residence permit or travel permit.",
        )
    if nationality not in NATIONALITIES:
        raise DocumentError("document.bad_nationality", "The nationality is not an ISO 3166-1 alpha-3 country code.")
    low, high = PASSPORT_NUMBER_LENGTHS
    if not low <= len(number) <= high:
        raise _bad_length("passport", f"{low} to {high}")
    if not _A_DIGIT.search(number):
        raise DocumentError("document.bad_characters", "A passport number has at least one digit.")
    return Document(doc_type=DocType.foreign_passport, number=value, region=nationality)


def validate_work_permit(number: object) -> str:
    """The work permit (外国人工作许可证) number, normalised, or DocumentError."""
    if number is None or (isinstance(number, str) and not number.strip()):
        raise DocumentError(
            "document.work_permit_required",
            "A foreign passport is accepted with the holder's work permit (外国人工作许可证) number.",
        )
    if not isinstance(number, str):
        raise DocumentError("document.bad_work_permit", "The work permit number must be text.")
    value = normalize(number)
    if not _WORK_PERMIT.fullmatch(value) or len(_DIGITS.sub("", value)) == len(value):
        raise DocumentError(
            "document.bad_work_permit", "A work permit number has 9 to 20 digits and capital letters, with digits in it."
        )
    return value


# Which travel permit a Hong Kong, Macao or Taiwan residence permit prints, by the permit's origin.
LINKED_KIND: dict[str, tuple[DocType, str]] = {
    "HK": (DocType.hk_mo_travel_permit, "H"),
    "MO": (DocType.hk_mo_travel_permit, "M"),
    "TW": (DocType.tw_travel_permit, ""),
}


def check_linked(permit: Document, linked: Document) -> None:
    """A residence permit prints its holder's travel permit number: the linked document must be
    the travel permit of the permit's region (Hong Kong: H..., Macao: M..., Taiwan: the Taiwan one)."""
    origin = HMT_PREFIXES.get(permit.number[:6], "")
    kind, prefix = LINKED_KIND[origin]
    if linked.doc_type is not kind or not linked.number.startswith(prefix):
        place = {"HK": "Hong Kong", "MO": "Macao", "TW": "Taiwan"}[origin]
        raise DocumentError(
            "document.linked_wrong_kind",
            f"A {place} residence permit goes with the {place} resident's travel permit ({kind.value}"
            + (f", starting with {prefix}" if prefix else "")
            + ").",
        )
