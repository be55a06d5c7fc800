"""The unified social credit code (统一社会信用代码, GB 32100-2015): its alphabet, parts and check character."""

from __future__ import annotations

from backend.lib.errors import ApiError

# 31 characters: the digits and the capital letters without I, O, Z, S and V (GB 32100-2015, 4.2),
# each standing for its position here in the check character's sum.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
# The weight of each of the first 17 characters: 3^(i) mod 31 (GB 32100-2015, 5.2).
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(body: str) -> str:
    """The 18th character for the first 17: 31 - (sum of value x weight mod 31), 31 written as 0."""
    if len(body) != LENGTH - 1 or any(c not in VALUES for c in body):
        raise ValueError("17 characters of the code's alphabet")
    total = sum(VALUES[c] * w for c, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """What is wrong with a code (None when it is well formed): its length, a character outside the
    alphabet, a region code (characters 3 to 8) that is not six digits, or the check character."""
    if len(code) != LENGTH:
        return f"it has {len(code)} characters, not {LENGTH}"
    stray = [c for c in code if c not in VALUES]
    if stray:
        return f"{stray[0]!r} is not one of the code's characters (digits and capitals without I, O, S, V, Z)"
    if not code[2:8].isdigit():
        return "characters 3 to 8 are the region code: six digits"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"the check character is {code[17]!r}; the first 17 characters give {expected!r}"
    return None


def checked(code: str) -> str:
    """The code as given (upper case), or 422 `employer.bad_uscc` saying what is wrong."""
    code = code.strip().upper()
    why = problem(code)
    if why is not None:
        raise ApiError(422, "employer.bad_uscc", f"Not a valid unified social credit code: {why}.", reason=why)
    return code
