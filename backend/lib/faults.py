"""Fault injection for crash tests: `crash_point(name)` kills the process at a named point, by chance."""

from __future__ import annotations

import os
import random
import sys

RATE_ENV = "YIKATONG_CRASH_RATE"
SEED_ENV = "YIKATONG_CRASH_SEED"
EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL (128 + 9)

_PRODUCTION_ENVS = ("prod", "production")

# (rate, chooser), read from the environment at the first crash point. A rate of 0 (the default)
# leaves the chooser unmade: every later call is one comparison.
_state: tuple[float, random.Random | None] | None = None


def _load() -> tuple[float, random.Random | None]:
    text = os.environ.get(RATE_ENV, "").strip()
    try:
        rate = min(max(float(text), 0.0), 1.0) if text else 0.0
    except ValueError:
        print(f"{RATE_ENV}={text!r} is not a number: no crash points", file=sys.stderr)
        rate = 0.0
    if rate and os.environ.get("YIKATONG_ENV", "") in _PRODUCTION_ENVS:
        # A crash rate is a test harness's setting; in production it would only lose availability.
        print(f"{RATE_ENV} is ignored when YIKATONG_ENV is production", file=sys.stderr)
        rate = 0.0
    if not rate:
        return 0.0, None
    seed_text = os.environ.get(SEED_ENV, "").strip()
    # The pid keeps the workers of one run (same seed) from dying in lock step; the seed makes a run repeatable.
    seed = (int(seed_text) if seed_text.lstrip("-").isdigit() else random.SystemRandom().randrange(2**32)) + os.getpid()
    return rate, random.Random(seed)


def crash_point(name: str) -> None:
    """Die here (exit 137, no clean-up, like a kill -9) with the probability `YIKATONG_CRASH_RATE`
    gives (0 by default: never). Put it between two steps whose order a crash must not break,
    e.g. after a handler's commit and before its job is marked done. The point's name goes to
    standard error first, so a test can tell where the process died."""
    global _state
    if _state is None:
        _state = _load()
    rate, chooser = _state
    if chooser is None or chooser.random() >= rate:
        return
    sys.stderr.write(f"crash point {name}: exiting {EXIT_CODE} ({RATE_ENV}={rate})\n")
    sys.stderr.flush()
    os._exit(EXIT_CODE)


def reset() -> None:
    """Read the environment again at the next crash point (tests that change it in-process)."""
    global _state
    _state = None
