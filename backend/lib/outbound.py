"""The one guarded way the service calls servers outside: checked, pinned addresses, bounded in time and size."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

# Addresses that are "global" to Python's ipaddress yet reach somewhere we must not: NAT64 and
# 6to4 embed an IPv4 address (perhaps a private one) that a gateway connects to on our behalf.
_TRANSLATED = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("2002::/16"),
    ipaddress.ip_network("2001::/32"),  # Teredo
)
PROD_PORTS = frozenset({443})
USER_AGENT = "yikatong/1"


class OutboundRefused(Exception):
    """We will not call this URL: its scheme, port or (resolved) address is not allowed."""


class OutboundFailed(Exception):
    """The call was allowed but did not give a usable answer: network error, deadline, too large, encoded."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case; repeated headers joined with ", "
    body: bytes
    truncated: bool = False  # more than limit_bytes came and `keep_partial` was asked for
    address: str = field(default="", compare=False)  # the address we connected to (for logs)


def refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why this address must not be called ("" when it may): only ordinary global unicast passes."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return refused_address(mapped)
        if any(address in net for net in _TRANSLATED):
            return f"{address} is a NAT64, 6to4 or Teredo address"
    flags = (
        address.is_loopback,
        address.is_private,
        address.is_link_local,
        address.is_multicast,
        address.is_reserved,
        address.is_unspecified,
        not address.is_global,
    )
    if any(flags):
        return f"{address} is a loopback, private, link-local, multicast or reserved address"
    return ""


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # the name as written (no brackets)
    port: int
    host_header: str
    path: str  # path and query


def _target(url: str, allow_private: bool) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"malformed URL: {exc}") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise OutboundRefused(f"scheme {parts.scheme or '(none)'} is not allowed")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise OutboundRefused("the URL needs a host and no user name or password")
    default = 443 if parts.scheme == "https" else 80
    port = port if port is not None else default
    if not allow_private and port not in PROD_PORTS:
        raise OutboundRefused(f"port {port} is not allowed")
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default else f"{shown}:{port}"
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return _Target(parts.scheme, host, port, host_header, path)


async def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """Every address of `host`, each checked: one refused address refuses the host (so a name cannot
    mix a public address with an internal one and hope we pick the latter)."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise OutboundFailed(f"cannot resolve {host}: {exc}") from None
        found = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if address not in found:
                found.append(address)
    if not found:
        raise OutboundFailed(f"{host} has no address")
    if not allow_private:
        for address in found:
            why = refused_address(address)
            if why:
                raise OutboundRefused(f"{host} resolves to a refused address: {why}")
    return [str(a) for a in found]


def _pinned_url(target: _Target, address: str) -> str:
    shown = f"[{address}]" if ":" in address else address
    return f"{target.scheme}://{shown}:{target.port}{target.path}"


async def _read(response: httpx.Response, limit_bytes: int, keep_partial: bool) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        if size + len(chunk) > limit_bytes:
            if keep_partial:
                chunks.append(chunk[: limit_bytes - size])
                return b"".join(chunks), True
            raise OutboundFailed(f"the answer is larger than {limit_bytes} bytes")
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


async def _once(
    client: httpx.AsyncClient,
    method: str,
    target: _Target,
    address: str,
    content: bytes | None,
    headers: dict[str, str],
    limit_bytes: int,
    keep_partial: bool,
) -> Answer:
    sent = {"user-agent": USER_AGENT, **{k.lower(): v for k, v in headers.items()}}
    sent["host"] = target.host_header  # the real name, though we connect to the pinned address
    sent["accept-encoding"] = "identity"  # we decode nothing: a compressed answer is refused below
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    request = client.build_request(method, _pinned_url(target, address), content=content, headers=sent, extensions=extensions)
    response = await client.send(request, stream=True)
    try:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise OutboundFailed(f"the answer is encoded ({encoding}), which we did not ask for")
        body, truncated = await _read(response, limit_bytes, keep_partial)
    finally:
        await response.aclose()
    names = {k.lower() for k in response.headers}
    answer_headers = {name: ", ".join(response.headers.get_list(name)) for name in names}
    return Answer(response.status_code, answer_headers, body, truncated, address)


async def request(
    method: Literal["GET", "POST"],
    url: str,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    limit_bytes: int = 64 * 1024,
    deadline: float = 5.0,
    allow_private: bool = False,
    keep_partial: bool = False,
    verify: ssl.SSLContext | bool = True,
) -> Answer:
    """One call to an outside server: DNS, connect, send and read all within `deadline` seconds.

    Raises OutboundRefused (scheme, port, address: do not retry) or OutboundFailed (network,
    deadline, answer too large or encoded: may be retried). Redirects are answers, never followed.
    `allow_private` (tests, non-production): http, any port, any address.
    """
    target = _target(url, allow_private)
    timeout = httpx.Timeout(deadline)
    try:
        async with asyncio.timeout(deadline):
            addresses = await resolve(target.host, target.port, allow_private)
            async with httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, trust_env=False, verify=verify, http2=False
            ) as client:
                last: Exception | None = None
                for address in addresses[:3]:  # connect errors only: nothing was sent yet
                    try:
                        return await _once(client, method, target, address, content, headers or {}, limit_bytes, keep_partial)
                    except httpx.ConnectError as exc:
                        last = exc
                raise OutboundFailed(f"cannot connect to {target.host}: {last}")
    except TimeoutError:
        raise OutboundFailed(f"no complete answer within {deadline:g} s") from None
    except httpx.HTTPError as exc:
        raise OutboundFailed(f"{type(exc).__name__}: {exc}"[:300]) from None


async def post(
    url: str,
    *,
    content: bytes,
    headers: dict[str, str] | None = None,
    limit_bytes: int = 64 * 1024,
    deadline: float = 5.0,
    allow_private: bool = False,
    keep_partial: bool = False,
    verify: ssl.SSLContext | bool = True,
) -> Answer:
    """POST `content` (see `request`)."""
    return await request(
        "POST",
        url,
        content=content,
        headers=headers,
        limit_bytes=limit_bytes,
        deadline=deadline,
        allow_private=allow_private,
        keep_partial=keep_partial,
        verify=verify,
    )


async def get(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    limit_bytes: int = 64 * 1024,
    deadline: float = 5.0,
    allow_private: bool = False,
    keep_partial: bool = False,
    verify: ssl.SSLContext | bool = True,
) -> Answer:
    """GET (see `request`)."""
    return await request(
        "GET",
        url,
        headers=headers,
        limit_bytes=limit_bytes,
        deadline=deadline,
        allow_private=allow_private,
        keep_partial=keep_partial,
        verify=verify,
    )
