"""Remote identity-verification providers, behind one interface and a setting.

None is enabled by default (`YIKATONG_IDV_PROVIDER=""`). `TestOnlyFaceMatchProvider` is written
for the tests: it "matches a face" by comparing a digest of the evidence with the person's photo
of record. Settings refuse it in production (lib/settings.py: a name starting with "test-only"),
and so does `select` here.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from backend.lib.settings import PRODUCTION_ENVS, TEST_ONLY_PREFIX, Settings


@dataclass(frozen=True)
class Started:
    """A session opened at the provider."""

    ref: str  # the provider's own id for the session
    instructions: str  # what the wallet tells the holder to do


@dataclass(frozen=True)
class Result:
    """The provider's verdict: a score from 0 to 100 and whether it calls it a match."""

    score: int
    matched: bool


class Provider(Protocol):
    name: str

    async def start(self, person_id: uuid.UUID) -> Started: ...

    async def finish(self, person_id: uuid.UUID, ref: str, evidence: bytes) -> Result: ...


Reference = Callable[[uuid.UUID], Awaitable[str | None]]  # the person's photo-of-record digest
Digest = Callable[[bytes], str]  # how a photo becomes that digest


class TestOnlyFaceMatchProvider:
    """For tests only: a face "matches" when the evidence's digest equals the photo of record's.
    Never enabled in production."""

    name = "test-only-face-match"

    def __init__(self, reference: Reference, digest: Digest) -> None:
        self._reference = reference
        self._digest = digest

    async def start(self, person_id: uuid.UUID) -> Started:
        return Started(ref=secrets.token_hex(16), instructions="Look into the camera; the capture is sent as evidence.")

    async def finish(self, person_id: uuid.UUID, ref: str, evidence: bytes) -> Result:
        reference = await self._reference(person_id)
        matched = reference is not None and hmac.compare_digest(reference, self._digest(evidence))
        return Result(score=100 if matched else 0, matched=matched)


NAMES = (TestOnlyFaceMatchProvider.name,)


class ProviderRefused(RuntimeError):
    """The configured provider cannot run here (unknown, or a test-only one in production)."""


def select(settings: Settings, reference: Reference, digest: Digest) -> Provider | None:
    """The configured provider, or None when none is."""
    name = settings.idv_provider
    if not name:
        return None
    if name.startswith(TEST_ONLY_PREFIX) and settings.env in PRODUCTION_ENVS:
        raise ProviderRefused(f"{name} is written for tests and cannot run with YIKATONG_ENV={settings.env}")
    if name == TestOnlyFaceMatchProvider.name:
        return TestOnlyFaceMatchProvider(reference, digest)
    raise ProviderRefused(f"unknown identity-verification provider {name!r}; known: {', '.join(NAMES)}")
