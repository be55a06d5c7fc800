"""Online codes of another region: ask each imported region that may have issued the code, at once, and fail closed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from backend.federation import imports, trust_list
from backend.federation.schemas import PeerAttributes, PeerVenue, PeerVerifyAnswer, PeerVerifyRequest, RegionRef
from backend.federation.vocab import NOT_THEIRS, FederationResult
from backend.keys.keyring import Keyring
from backend.lib.settings import Settings

log = logging.getLogger("yikatong.federation.remote")
MAX_ANSWER = 16 * 1024  # a verify answer is a few hundred bytes


@dataclass
class RemoteVerdict:
    """What the issuing region answered (or `issuer_unreachable`); `attributes` only those we disclose."""

    result: str
    region: RegionRef | None = None
    attributes: PeerAttributes = field(default_factory=PeerAttributes)
    valid_until: int | None = None


class _Failed(Exception):
    """A call that did not bring a signed answer of the region asked."""


async def _ask(
    region: dict[str, object],
    listed: trust_list.TrustList,
    request: PeerVerifyRequest,
    *,
    keyring: Keyring,
    settings: Settings,
    now: int,
) -> PeerVerifyAnswer:
    url = imports.peer_endpoint(listed, "verify", str(region["trust_list_url"]))
    if url is None:
        raise _Failed("no verify endpoint at the list's origin")
    try:
        decoded = await imports.signed_call(
            url,
            request,
            PeerVerifyAnswer,
            listed=listed,
            settings=settings,
            keyring=keyring,
            now=now,
            deadline=settings.federation_timeout_seconds,
            limit=MAX_ANSWER,
        )
    except imports.PeerCallFailed as exc:
        raise _Failed(str(exc)) from None
    if decoded.region != region["code"]:
        raise _Failed("answer for another region")
    return decoded


def _filtered(attributes: PeerAttributes, disclose: list[str]) -> PeerAttributes:
    """Only what our import of the region lets its codes show here, whatever the issuer sent."""
    allowed = set(disclose)
    return PeerAttributes(**{name: getattr(attributes, name) for name in PeerAttributes.__struct_fields__ if name in allowed})


async def verify_elsewhere(
    code: str, scenario: str, venue: PeerVenue, *, keyring: Keyring, settings: Settings, now: int
) -> RemoteVerdict | None:
    """An online code our secrets do not know: ask every active imported region that accepts this
    scenario, concurrently, within federation_timeout_seconds. The first `valid` wins; else an
    answer that claims the code (replayed, expired, suspended...); else `issuer_unreachable` when
    any call failed or timed out; None when every region said the code is not theirs (or none
    may be asked): the local result stands."""
    targets = [(r, listed) for r, listed, _ in await imports.active_regions(settings, now) if scenario in r["scenarios"]]
    if not targets:
        return None
    tasks = {
        asyncio.ensure_future(
            _ask(
                region,
                listed,
                PeerVerifyRequest(code=code, scenario=scenario, disclose=list(region["disclose"]), venue=venue),
                keyring=keyring,
                settings=settings,
                now=now,
            )
        ): region
        for region, listed in targets
    }
    done, pending = await asyncio.wait(tasks, timeout=settings.federation_timeout_seconds)
    for task in pending:
        task.cancel()
    failed = bool(pending)
    claims: list[RemoteVerdict] = []
    not_here: RemoteVerdict | None = None  # scenario_not_allowed: theirs, but says nothing of the code
    for task in sorted(done, key=lambda t: str(tasks[t]["code"])):  # a stable choice among answers
        region = tasks[task]
        try:
            answer = task.result()
        except (_Failed, Exception) as exc:  # noqa: BLE001 - any failure of a call counts as unreachable (fail closed)
            log.warning("region did not answer a verification", extra={"region": region["code"], "error": str(exc)[:200]})
            failed = True
            continue
        if answer.result in NOT_THEIRS:
            continue
        ref = RegionRef(code=str(region["code"]), name=str(region["name"]), name_en=str(region["name_en"]))
        if answer.result == "scenario_not_allowed":
            # An older peer answers this before checking the code: it claims nothing, and must not
            # hide that the real issuer could not be asked.
            not_here = not_here or RemoteVerdict(answer.result, ref)
            continue
        claims.append(
            RemoteVerdict(answer.result, ref, _filtered(answer.attributes, list(region["disclose"])), answer.valid_until)
        )
    valid = [c for c in claims if c.result == "valid"]
    if valid:
        return valid[0]
    if claims:
        return claims[0]
    if failed:
        return RemoteVerdict(FederationResult.ISSUER_UNREACHABLE.value)
    return not_here
