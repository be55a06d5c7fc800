"""Other regions' offline scans uploaded by our scanners: forwarded to the issuing region (a job, one RFC 9421-signed call per region and upload)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import msgspec

from backend.federation import imports, trust_list
from backend.federation.schemas import PeerOfflineAnswer, PeerOfflineResult, PeerOfflineUpload
from backend.federation.tables import Region
from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib.settings import Settings

log = logging.getLogger("yikatong.federation.forwarding")
FORWARD_JOB = "federation.offline_results"
MAX_ANSWER = 64 * 1024  # the answer lists at most 500 flagged code ids


class ForwardFailed(Exception):
    """The issuing region did not take the scans (the job is retried with back-off)."""


async def import_disclosure(codes: Iterable[str]) -> dict[str, list[str]]:
    """What each of these regions' codes may show here, for the regions imported (any status)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await Region.select(Region.code, Region.disclose).where(Region.code.is_in(wanted)).output(load_json=True).run()
    return {row["code"]: list(row["disclose"]) for row in rows}


async def forward_offline(region: str, results: list[PeerOfflineResult]) -> None:
    """Queue the scans for their issuing region. Call inside the upload's own transaction (the
    outbox): the scans and their forwarding commit together or neither does."""
    if results:
        await jobs.enqueue(FORWARD_JOB, {"region": region, "results": msgspec.to_builtins(results)})


def endpoint(listed: trust_list.TrustList, trust_list_url: str) -> str | None:
    """The region's offline-results endpoint (at its list's origin); a list without it (an older
    peer) implies it beside `verify`."""
    named = imports.peer_endpoint(listed, "offline_results", trust_list_url)
    if named is not None or listed.endpoint("offline_results") is not None:
        return named
    verify = imports.peer_endpoint(listed, "verify", trust_list_url)
    if verify is None or not verify.endswith(trust_list.VERIFY_PATH):
        return None
    return verify[: -len(trust_list.VERIFY_PATH)] + trust_list.OFFLINE_RESULTS_PATH


async def run_forward_job(payload: dict[str, Any], *, keyring: Keyring, settings: Settings, now: int) -> PeerOfflineAnswer | None:
    """The `federation.offline_results` job: send the scans, signed; the issuer's signed answer for
    this request is the only success. Retries are safe: the issuer keeps each scan once by its key.
    None when the region is no longer imported (the scans stay on our record only)."""
    region = str(payload["region"])
    upload = msgspec.convert({"results": payload["results"]}, PeerOfflineUpload)
    listed = await imports.verified_list(region)
    row = await Region.select(Region.trust_list_url).where(Region.code == region).first().run()
    if listed is None or row is None:
        log.warning("offline scans of a region not imported are not forwarded", extra={"region": region})
        return None
    url = endpoint(listed, row["trust_list_url"])
    if url is None:
        raise ForwardFailed(f"region {region} names no offline-results endpoint at its list's origin")
    try:
        return await imports.signed_call(
            url,
            upload,
            PeerOfflineAnswer,
            listed=listed,
            settings=settings,
            keyring=keyring,
            now=now,
            deadline=imports.LIST_DEADLINE,
            limit=MAX_ANSWER,
        )
    except imports.PeerCallFailed as exc:
        raise ForwardFailed(f"region {region}: {exc}") from None
