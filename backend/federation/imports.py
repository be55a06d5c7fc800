"""Other regions imported here: adding one (its list fetched and verified at once), refreshing its list and mirroring its revocations."""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.parse
from typing import Any, TypeVar

import msgspec

from backend.catalog import services as catalog
from backend.codes import format_v2 as v2
from backend.federation import peers, trust_list
from backend.federation.schemas import MergedRegion, MergedTrust, RegionCreate, RegionOut, RegionPatch
from backend.federation.tables import Region, Revocations, TrustList
from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib import db, outbound
from backend.lib.errors import ApiError
from backend.lib.settings import Settings

log = logging.getLogger("yikatong.federation")
REFRESH_JOB = "federation.refresh"
MAX_ANSWER = 4 * 1024 * 1024  # a peer's revocation list larger than this is refused
# Lists and revocations may be large and a job waits for them: a longer overall deadline than a
# scan's verify call (federation_timeout_seconds), but one that a slow-drip server cannot stretch.
LIST_DEADLINE = 20.0


def _utc(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def check_url(url: str, settings: Settings) -> None:
    """Only https, unless federation_allow_http (tests and closed networks; refused in prod)."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme != "https" and not (scheme == "http" and settings.federation_allow_http):
        raise ApiError(422, "federation.insecure_url", "The trust list must be fetched over https.")


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return None
    return (parts.scheme, (parts.hostname or "").lower(), port) if parts.hostname else None


def peer_endpoint(listed: trust_list.TrustList, name: str, trust_list_url: str) -> str | None:
    """The list's endpoint `name`, only if it shares scheme, host and port with the trust list's
    URL our operators configured: a list cannot send our calls to any other server."""
    url = listed.endpoint(name)
    if url is None or _origin(url) is None or _origin(url) != _origin(trust_list_url):
        return None
    return url


async def call(
    method: str, url: str, *, body: bytes, headers: dict[str, str], limit: int, deadline: float, settings: Settings
) -> outbound.Answer:
    """One call to another region through lib/outbound.py: https on 443 to a public address (any
    address and http only when federation_allow_http), at most `limit` bytes of answer, no
    Content-Encoding, one overall `deadline`. 422 `federation.unreachable` otherwise."""
    allow = settings.federation_allow_http
    try:
        if method == "GET":
            return await outbound.get(url, headers=headers, limit_bytes=limit, deadline=deadline, allow_private=allow)
        return await outbound.post(url, content=body, headers=headers, limit_bytes=limit, deadline=deadline, allow_private=allow)
    except outbound.OutboundRefused as exc:
        raise ApiError(422, "federation.unreachable", f"The region's address is refused ({exc}).") from None
    except outbound.OutboundFailed as exc:
        raise ApiError(422, "federation.unreachable", f"The region did not answer usably ({exc}).") from None


_Answer = TypeVar("_Answer")


class PeerCallFailed(Exception):
    """A signed call to another region's server gave no answer we can use (the reason, in words)."""


async def signed_call(
    url: str,
    payload: msgspec.Struct,
    answer_type: type[_Answer],
    *,
    listed: trust_list.TrustList,
    settings: Settings,
    keyring: Keyring,
    now: int,
    deadline: float,
    limit: int,
) -> _Answer:
    """POST `payload` to another region's server as an RFC 9421-signed request of ours (the
    `federation-peer` key) and decode its answer, which must be 200 and signed by one of the
    region's peer keys over this request's nonce. PeerCallFailed otherwise."""
    body = msgspec.json.encode(payload)
    headers, nonce = peers.sign_request(
        "POST", url, body, region=settings.region_code, key=keyring.named_key("federation-peer"), now=now
    )
    try:
        answer = await call(
            "POST",
            url,
            body=body,
            headers={**headers, "Content-Type": "application/json", "Accept": "application/json"},
            limit=limit,
            deadline=deadline,
            settings=settings,
        )
    except ApiError as exc:
        raise PeerCallFailed(f"unreachable ({exc.message})") from None
    if answer.status != 200:
        raise PeerCallFailed(f"answered {answer.status}: {answer.body[:200]!r}")
    if not peers.verify_response(answer.status, answer.headers, answer.body, nonce, listed.peer_keys):
        raise PeerCallFailed("answer is not signed by the region's peer key for this request")
    try:
        return msgspec.json.decode(answer.body, type=answer_type)
    except msgspec.DecodeError:
        raise PeerCallFailed("answer is not understood") from None


async def fetch_list(url: str, settings: Settings) -> str:
    """The list's text; 422 `federation.unreachable` when it cannot be had."""
    check_url(url, settings)
    answer = await call(
        "GET",
        url,
        body=b"",
        headers={"Accept": trust_list.MEDIA_TYPE},
        limit=trust_list.MAX_BYTES,
        deadline=LIST_DEADLINE,
        settings=settings,
    )
    if answer.status != 200:
        raise ApiError(422, "federation.unreachable", f"The trust list answered {answer.status}.")
    try:
        return answer.body.decode()
    except UnicodeDecodeError:
        raise ApiError(422, "federation.unreachable", "The trust list is not UTF-8 text.") from None


def _refused(error: trust_list.TrustListError) -> ApiError:
    return ApiError(422, f"federation.{error.code}", error.message)


async def _check_scenarios(names: list[str]) -> None:
    known = await catalog.definitions(set(names))
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ApiError(422, "federation.unknown_scenario", "No such scenario in our catalog.", scenarios=unknown)


def _fresh(row: dict[str, Any] | None, settings: Settings, now: int) -> bool:
    return bool(row and row["jws"] and row["next_update"] + settings.federation_grace_seconds >= now)


def _revocations_fresh(revs: dict[str, Any] | None, settings: Settings, now: int) -> bool:
    """Pulled at all, and within the grace period: a region whose revocations we cannot mirror is
    not served to scanners (a revoked credential would pass offline)."""
    at = revs["updated_at"] if revs else None
    return at is not None and at.timestamp() + settings.federation_grace_seconds >= now


async def _enqueue_refresh(code: str, settings: Settings, now: int) -> None:
    """The next refresh of `code`, one per refresh period: the key names the period, so the chains
    started by an import, a manual refresh and the job itself merge into one."""
    period = settings.federation_refresh_seconds
    due = (now // period + 1) * period
    await jobs.enqueue(REFRESH_JOB, {"code": code}, key=f"{REFRESH_JOB}:{code}:{due}", run_at=_utc(due))


async def add_region(data: RegionCreate, *, by: str, keyring: Keyring, settings: Settings, now: int) -> RegionOut:
    """Import a region: its list must verify now against the fingerprint given (422 otherwise)."""
    if data.code == settings.region_code:
        raise ApiError(422, "federation.own_region", "This is our own region.")
    await _check_scenarios(data.scenarios)
    if await Region.exists().where(Region.code == data.code).run():
        raise ApiError(409, "federation.region_exists", "This region is already imported.")
    text = await fetch_list(data.trust_list_url, settings)
    try:
        verified = trust_list.verify(
            text,
            fingerprint=data.root_fingerprint,
            region=data.code,
            last_seq=None,
            now=now,
            grace=settings.federation_grace_seconds,
        )
    except trust_list.TrustListError as exc:
        raise _refused(exc) from None
    at = _utc(now)
    try:
        async with db.transaction():
            await Region.insert(
                Region(
                    code=data.code,
                    name=data.name,
                    name_en=data.name_en,
                    root_fingerprint=data.root_fingerprint,
                    trust_list_url=data.trust_list_url,
                    scenarios=list(data.scenarios),
                    disclose=list(data.disclose),
                    status="active",
                    created_by=by,
                    updated_by=by,
                    created_at=at,
                    updated_at=at,
                )
            ).run()
            await TrustList.insert(
                TrustList(
                    region=data.code,
                    jws=verified.text,
                    payload=verified.content,
                    seq=verified.seq,
                    next_update=verified.next_update,
                    fetched_at=at,
                    attempted_at=at,
                )
            ).run()
            await Revocations.insert(Revocations(region=data.code, version=0, cards={}, devices=[], credentials={})).run()
            await _enqueue_refresh(data.code, settings, now)
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ApiError(409, "federation.region_exists", "This region is already imported.") from None
        raise
    # Its revocations at once: until they are pulled, its codes are not served to our scanners.
    try:
        await pull_revocations(data.code, keyring=keyring, settings=settings, now=now)
    except ApiError as exc:
        await _note_error(data.code, f"{exc.code}: {exc.message}", now)
    return await get_region(data.code, settings, now)


def _signed_by(text: str, fingerprint: str) -> bool:
    """Whether a stored list's header names the root key of this fingerprint (its signature was
    checked when it was stored)."""
    try:
        header = json.loads(trust_list.unb64url(text.split(".", 1)[0]))
        return isinstance(header, dict) and trust_list.thumbprint(header["jwk"]) == fingerprint
    except (ValueError, KeyError, TypeError):
        return False


async def update_region(code: str, data: RegionPatch, *, by: str, keyring: Keyring, settings: Settings, now: int) -> RegionOut:
    changes: dict[Any, Any] = {}
    for name in ("name", "name_en", "root_fingerprint", "trust_list_url", "status"):
        value = getattr(data, name)
        if value is not None:
            changes[getattr(Region, name)] = value
    if data.trust_list_url is not None:
        check_url(data.trust_list_url, settings)
    if data.scenarios is not None:
        await _check_scenarios(data.scenarios)
        changes[Region.scenarios] = list(data.scenarios)
    if data.disclose is not None:
        changes[Region.disclose] = list(data.disclose)
    if changes:
        changes.update({Region.updated_by: by, Region.updated_at: _utc(now)})
        async with db.transaction():
            updated = await Region.update(changes).where(Region.code == code).returning(Region.code).run()
            listed = await TrustList.select(TrustList.jws).where(TrustList.region == code).first().run()
            kept = str(listed["jws"]) if listed is not None else ""
            if data.root_fingerprint is not None and kept and not _signed_by(kept, data.root_fingerprint):
                # The list kept was signed by the old root: set it aside, trust nothing of it now.
                await TrustList.update({TrustList.jws: "", TrustList.seq: 0}).where(TrustList.region == code).run()
        if not updated:
            raise ApiError(404, "federation.unknown_region", "No such imported region.")
        if data.root_fingerprint is not None:
            return await refresh(code, keyring=keyring, settings=settings, now=now)  # under the new root, at once
    return await get_region(code, settings, now)


async def _rows(code: str | None = None) -> list[tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]]:
    query = Region.select().order_by(Region.code)
    if code is not None:
        query = query.where(Region.code == code)
    regions = await query.output(load_json=True).run()
    codes = [r["code"] for r in regions]
    if not codes:
        return []
    lists = {r["region"]: r for r in await TrustList.select().where(TrustList.region.is_in(codes)).output(load_json=True).run()}
    revs = {
        r["region"]: r for r in await Revocations.select().where(Revocations.region.is_in(codes)).output(load_json=True).run()
    }
    return [(r, lists.get(r["code"]), revs.get(r["code"])) for r in regions]


def _out(
    region: dict[str, Any], listed: dict[str, Any] | None, revs: dict[str, Any] | None, settings: Settings, now: int
) -> RegionOut:
    has = bool(listed and listed["jws"])
    return RegionOut(
        code=region["code"],
        name=region["name"],
        name_en=region["name_en"],
        root_fingerprint=region["root_fingerprint"],
        trust_list_url=region["trust_list_url"],
        scenarios=list(region["scenarios"]),
        disclose=list(region["disclose"]),
        status=region["status"],
        list_seq=listed["seq"] if has and listed else None,
        list_fetched_at=listed["fetched_at"] if listed else None,
        list_next_update=listed["next_update"] if has and listed else None,
        revocations_version=revs["version"] if revs else 0,
        revocations_updated_at=revs["updated_at"] if revs else None,
        revocations_fresh=_revocations_fresh(revs, settings, now),
        last_error=listed["last_error"] if listed else None,
        fresh=_fresh(listed, settings, now),
    )


async def list_regions(settings: Settings, now: int) -> list[RegionOut]:
    return [_out(*row, settings, now) for row in await _rows()]


async def get_region(code: str, settings: Settings, now: int) -> RegionOut:
    rows = await _rows(code)
    if not rows:
        raise ApiError(404, "federation.unknown_region", "No such imported region.")
    return _out(*rows[0], settings, now)


async def verified_list(code: str) -> trust_list.TrustList | None:
    """The stored list of an imported region (whatever its status and age: callers check those)."""
    row = await TrustList.select().where(TrustList.region == code).first().output(load_json=True).run()
    if row is None or not row["jws"]:
        return None
    content = row["payload"]
    return trust_list.TrustList(
        text=row["jws"],
        content=content,
        region=code,
        name=str(content.get("name", "")),
        name_en=str(content.get("name_en", "")),
        seq=row["seq"],
        next_update=row["next_update"],
    )


async def _note_error(code: str, message: str, now: int) -> None:
    async with db.transaction():
        await (
            TrustList.update({TrustList.last_error: message[:300], TrustList.attempted_at: _utc(now)})
            .where(TrustList.region == code)
            .run()
        )


async def refresh(code: str, *, keyring: Keyring, settings: Settings, now: int) -> RegionOut:
    """Fetch and verify the region's list again (a refused list leaves the old one in place, with
    `last_error` saying why), then pull its revocations since the version held."""
    rows = await _rows(code)
    if not rows:
        raise ApiError(404, "federation.unknown_region", "No such imported region.")
    region, listed, _ = rows[0]
    error: str | None = None
    try:
        text = await fetch_list(region["trust_list_url"], settings)
        verified = trust_list.verify(
            text,
            fingerprint=region["root_fingerprint"],
            region=code,
            last_seq=listed["seq"] if listed and listed["jws"] else None,
            now=now,
            grace=settings.federation_grace_seconds,
        )
        async with db.transaction():
            await (
                TrustList.update(
                    {
                        TrustList.jws: verified.text,
                        TrustList.payload: verified.content,
                        TrustList.seq: verified.seq,
                        TrustList.next_update: verified.next_update,
                        TrustList.fetched_at: _utc(now),
                        TrustList.attempted_at: _utc(now),
                        TrustList.last_error: None,
                    }
                )
                .where((TrustList.region == code) & (TrustList.seq <= verified.seq))
                .run()
            )
    except trust_list.TrustListError as exc:
        error = f"federation.{exc.code}: {exc.message}"
    except ApiError as exc:
        error = f"{exc.code}: {exc.message}"
    if error is not None:
        log.warning("trust list refused or unreachable", extra={"region": code, "error": error})
        await _note_error(code, error, now)
    else:
        try:
            await pull_revocations(code, keyring=keyring, settings=settings, now=now)
        except ApiError as exc:
            await _note_error(code, f"{exc.code}: {exc.message}", now)
    return await get_region(code, settings, now)


async def pull_revocations(code: str, *, keyring: Keyring, settings: Settings, now: int) -> int:
    """Mirror the region's revocations: a signed call for the changes since the version held (or
    the full list); the answer counts only if the region's peer key signed it for this request."""
    listed = await verified_list(code)
    held_row = await Revocations.select().where(Revocations.region == code).first().output(load_json=True).run()
    if listed is None or held_row is None:
        raise ApiError(409, "federation.no_list", "No verified trust list for this region yet.")
    region = await Region.select(Region.trust_list_url).where(Region.code == code).first().run()
    endpoint = peer_endpoint(listed, "revocations", region["trust_list_url"]) if region else None
    if endpoint is None:
        raise ApiError(422, "federation.unreachable", "The region's list names no revocations endpoint at its list's origin.")
    version = int(held_row["version"])
    url = f"{endpoint}?since={version}"
    headers, nonce = peers.sign_request(
        "GET", url, b"", region=settings.region_code, key=keyring.named_key("federation-peer"), now=now
    )
    answer = await call(
        "GET",
        url,
        body=b"",
        headers={**headers, "Accept": "application/json"},
        limit=MAX_ANSWER,
        deadline=LIST_DEADLINE,
        settings=settings,
    )
    if answer.status != 200:
        raise ApiError(422, "federation.unreachable", f"The revocations call answered {answer.status}.")
    if not peers.verify_response(answer.status, answer.headers, answer.body, nonce, listed.peer_keys):
        raise ApiError(422, "federation.unreachable", "The revocations answer is not signed by the region's peer key.")
    held: v2.RevocationsV2 = (version, dict(held_row["cards"]), set(held_row["devices"]), dict(held_row["credentials"]))
    try:
        doc = msgspec.json.decode(answer.body)
        new = v2.apply_revocation_update_v2(held if version else None, doc)
    except (msgspec.DecodeError, ValueError) as exc:
        raise ApiError(422, "federation.unreachable", f"The revocations answer could not be applied ({exc}).") from None
    async with db.transaction():
        await (
            Revocations.update(
                {
                    Revocations.version: new[0],
                    Revocations.cards: new[1],
                    Revocations.devices: sorted(new[2]),
                    Revocations.credentials: new[3],
                    Revocations.updated_at: _utc(now),
                }
            )
            # Only over the version this pull started from: a concurrent pull that got further
            # first is never rolled back (this one then changes nothing).
            .where((Revocations.region == code) & (Revocations.version == version))
            .run()
        )
    return new[0]


async def run_refresh_job(code: str, *, keyring: Keyring, settings: Settings, now: int) -> None:
    """The `federation.refresh` job: refresh an active region, then schedule the next refresh."""
    rows = await _rows(code)
    if not rows:
        return  # the region was removed: the chain ends
    try:
        if rows[0][0]["status"] == "active":
            await refresh(code, keyring=keyring, settings=settings, now=now)
    except Exception as exc:  # whatever a peer sent, the chain of refreshes must go on
        log.exception("federation refresh failed", extra={"region": code})
        await _note_error(code, f"federation.refresh_failed: {type(exc).__name__}", now)
    finally:
        async with db.transaction():
            await _enqueue_refresh(code, settings, now)


async def active_regions(
    settings: Settings, now: int
) -> list[tuple[dict[str, Any], trust_list.TrustList, dict[str, Any] | None]]:
    """Active regions with a fresh verified list: the only ones whose keys anything here uses."""
    found = []
    for region, listed, revs in await _rows():
        if region["status"] == "active" and _fresh(listed, settings, now):
            verified = await verified_list(region["code"])
            if verified is not None:
                found.append((region, verified, revs))
    return found


async def merged_trust(settings: Settings, now: int) -> MergedTrust:
    """What our scanners hold for other regions: each active, fresh region's keys and revocations."""
    regions = []
    for region, listed, revs in await active_regions(settings, now):
        if not _revocations_fresh(revs, settings, now):
            continue  # its revocations were never pulled, or not lately: its codes are region_not_trusted
        retired = listed.content.get("retired_formats")
        regions.append(
            MergedRegion(
                code=region["code"],
                name=region["name"],
                name_en=region["name_en"],
                keys=[k for k in listed.content.get("issuer_keys", []) if isinstance(k, dict)],
                retired_formats={k: v for k, v in (retired or {}).items() if isinstance(v, int)}
                if isinstance(retired, dict)
                else {},
                scenarios=list(region["scenarios"]),
                disclose=list(region["disclose"]),
                credentials=dict(revs["credentials"]) if revs else {},
                cards=dict(revs["cards"]) if revs else {},
                devices=list(revs["devices"]) if revs else [],
                revocations_version=int(revs["version"]) if revs else 0,
                valid_until=listed.next_update + settings.federation_grace_seconds,
            )
        )
    return MergedTrust(home=settings.region_code, generated_at=now, regions=regions)
