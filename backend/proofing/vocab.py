"""Fixed words and numbers of proofing: routes, outcomes, lifetimes and limits."""

from __future__ import annotations

from typing import Final, Literal

# The routes of section 1 (backend/lib/assurance.py names their levels).
COUNTER: Final = "counter"
BANK: Final = "bank"
PROVIDER: Final = "provider"
Method = Literal["counter", "bank", "provider"]
Purpose = Literal["bind", "reset"]
Outcome = Literal["proven", "refused"]
PROVEN: Final = "proven"
REFUSED: Final = "refused"
BIND: Final = "bind"
RESET: Final = "reset"

# Binding codes: 8 characters with nothing to confuse (no 0/O, 1/I/L), 31**8 ~ 8.5e11.
CODE_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 8
CODE_SECONDS: Final = 10 * 60
QR_PREFIX: Final = "YKBIND:"
# Who made a code: the wallet (the clerk types it), the counter (the wallet types it), a reset.
WALLET_CODE: Final = "wallet"
COUNTER_CODE: Final = "counter"
RESET_CODE: Final = "reset"

CHALLENGE_SECONDS: Final = 5 * 60
CHALLENGE_DIGITS: Final = 6
ANSWER_PURPOSE: Final = "yikatong.proofing.bank-answer.v1"
ANSWER_SKEW_SECONDS: Final = 5 * 60  # how far a bank's signed_at may be from our clock

PROVIDER_SECONDS: Final = 10 * 60
MATCH_THRESHOLD: Final = 80  # a provider's score (0..100) at or above this is a match

RESET_SECONDS: Final = 30 * 60
RESET_TOKEN_PREFIX: Final = "ykr_"

# Throttling: refusals counted in a window, per account, staff member, bank client and person.
WINDOW_SECONDS: Final = 15 * 60
LIMIT_PER_ACTOR: Final = 5  # an account, a staff member or a bank client
LIMIT_PER_PERSON: Final = 10  # higher: several actors may try for one person, honest ones too
RESET_STARTS_PER_ADDRESS: Final = 10  # password resets started from one address per window
RESET_STARTS_PER_DOCUMENT: Final = 3

# Refusal codes.
THROTTLED: Final = "proofing.throttled"
CODE_UNKNOWN: Final = "proofing.code_unknown"
PERSON_MISMATCH: Final = "proofing.person_mismatch"
FACE_MISMATCH: Final = "proofing.face_mismatch"
BANK_REFUSED: Final = "proofing.bank_refused"
CHALLENGE_UNKNOWN: Final = "proofing.challenge_unknown"
WRONG_BANK: Final = "proofing.wrong_bank"
CARD_MISMATCH: Final = "proofing.card_mismatch"
BAD_SIGNATURE: Final = "proofing.bad_signature"
STALE_ANSWER: Final = "proofing.stale_answer"
CHALLENGE_USED: Final = "proofing.challenge_used"
CHALLENGE_EXPIRED: Final = "proofing.challenge_expired"
SESSION_UNKNOWN: Final = "proofing.session_unknown"
NO_PERSON: Final = "proofing.no_person"

# Which refusals count towards whose lock: each is counted for the one who made the guess and
# for the person guessed at. A holder's "no" (at the bank, or a face that does not match) counts
# for the account that asked, never for the staff member or bank that relayed it; a bad or
# replayed bank answer counts for the bank client that sent it, not for the account. Refusals
# for throttling itself never count: a locked-out caller who keeps trying is recorded but does
# not lengthen the lock.
COUNTER_GUESSES: Final = frozenset({CODE_UNKNOWN, PERSON_MISMATCH, NO_PERSON})
BANK_GUESSES: Final = frozenset({CHALLENGE_UNKNOWN, WRONG_BANK, CARD_MISMATCH, BAD_SIGNATURE, STALE_ANSWER, CHALLENGE_USED})
HOLDER_NO: Final = frozenset({BANK_REFUSED, FACE_MISMATCH})
COUNTED: Final = {
    "staff": COUNTER_GUESSES,
    "client": BANK_GUESSES,
    "account": COUNTER_GUESSES | HOLDER_NO | {SESSION_UNKNOWN},
    "person": COUNTER_GUESSES | BANK_GUESSES | HOLDER_NO | {SESSION_UNKNOWN},
}
