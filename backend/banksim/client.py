"""The bank's calls to the service's HTTP API (httpx): pull account requests and instructions, answer, report.

Only the documented API: the simulator is a client like any bank's core system, with a `ykc_` bank token.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger("yikatong.banksim")
PAGE = 200  # items per pull
JWKS = "/.well-known/jwks.json"  # the province's published issuer keys (docs/payments.md, "Instructions")


@dataclass(frozen=True)
class Reply:
    """The service's answer: status code, the error code if any, and the JSON body."""

    status: int
    code: str | None
    body: Any


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Api:
    """One bank client (one token) on a shared httpx client (a real server, or the app in-process in tests)."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _call(self, method: str, path: str, json: Any = None, *, auth: bool = True) -> Reply:
        """One request; waits out 429 and 503 (Retry-After) a few times before giving the answer back."""
        for attempt in range(5):
            response = await self.http.request(method, path, json=json, headers=self.headers if auth else None)
            if response.status_code not in (429, 503) or attempt == 4:
                break
            wait = float(response.headers.get("Retry-After") or 1)
            log.info("service asks to wait", extra={"path": path.split("?")[0], "status": response.status_code, "seconds": wait})
            await asyncio.sleep(min(wait, 30))
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("error", {}).get("code") if isinstance(body, dict) and response.status_code >= 400 else None
        return Reply(response.status_code, code, body)

    async def public_keys(self) -> dict[str, bytes]:
        """kid -> Ed25519 public key, from the service's published issuer keys (revoked ones are not in `keys`)."""
        reply = await self._call("GET", JWKS, auth=False)
        if reply.status != 200:
            raise RuntimeError(f"no issuer keys at {JWKS} (status {reply.status})")
        return {k["kid"]: _b64url(k["x"]) for k in reply.body.get("keys", []) if k.get("crv") == "Ed25519"}

    async def account_requests(self) -> list[dict[str, Any]]:
        reply = await self._call("GET", f"/api/v1/bank/account-requests?status=pending&limit={PAGE}")
        _expect(reply, "account requests")
        return list(reply.body["items"])

    async def answer_account(self, request_id: str, body: dict[str, Any]) -> Reply:
        return await self._call("POST", f"/api/v1/bank/account-requests/{request_id}/answer", body)

    async def instructions(self, status: str) -> list[dict[str, Any]]:
        reply = await self._call("GET", f"/api/v1/bank/instructions?status={status}&limit={PAGE}")
        _expect(reply, f"{status} instructions")
        return list(reply.body["items"])

    async def answer(self, instruction_id: str, body: dict[str, Any]) -> Reply:
        return await self._call("POST", f"/api/v1/bank/instructions/{instruction_id}/answers", body)

    async def report(self, figures: dict[str, Any]) -> Reply:
        return await self._call("POST", "/api/v1/bank/reports", figures)


def _expect(reply: Reply, what: str) -> None:
    if reply.status != 200:
        raise RuntimeError(f"pulling {what} failed: {reply.status} {reply.code or ''}".strip())
