"""Card numbers and opaque card refs (made here), bank account numbers (made by the bank, masked here)."""

from __future__ import annotations

import re
import secrets

# I and O are left out: on a printed card they read as 1 and 0.
REGION_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CARD_NUMBER = re.compile(r"[A-HJ-NP-Z][0-9]{8}", re.ASCII)
CARD_REF = re.compile(r"[0-9a-f]{16}", re.ASCII)


def region_letter(region: str) -> str:
    """The letter that starts card numbers of a city: the city digits of its code pick it."""
    return REGION_LETTERS[int(region[2:4]) % len(REGION_LETTERS)]


def new_card_number(region: str) -> str:
    """A random card number; uniqueness is the database's job (unique column, retry on clash)."""
    return region_letter(region) + f"{secrets.randbelow(10**8):08d}"


def new_card_ref() -> str:
    """8 random bytes as 16 lowercase hex: the only card identifier that appears in QR codes."""
    return secrets.token_hex(8)


def is_card_ref(value: object) -> bool:
    return isinstance(value, str) and CARD_REF.fullmatch(value) is not None


def mask_card_number(number: str) -> str:
    """A12345678 -> A*****678."""
    return number[:1] + "*" * (len(number) - 4) + number[-3:] if len(number) > 4 else "*" * len(number)


def mask_account(account: str) -> str:
    """Only the last four digits, like a bank statement; an account not opened yet stays empty."""
    return "**** " + account[-4:] if len(account) > 4 else "*" * len(account)
