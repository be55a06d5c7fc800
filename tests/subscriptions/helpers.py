"""Shared by the subscriptions tests: a real webhook receiver (an HTTP server thread that checks
every delivery with the Standard Webhooks reference library) and a World with agencies and consents."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import msgspec
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.certificates.helpers import Agencies
from tests.servers import free_port
from tests.venues.helpers import Holder


@dataclass
class Received:
    id: str
    seq: int
    body: dict


@dataclass
class Receiver:
    """An agency's endpoint. `mode`: "up" (2xx for a verified delivery), "503" (answers 503), and
    `stop()` closes the port altogether. Accepted deliveries are kept in arrival order."""

    secret: str = ""
    mode: str = "up"
    port: int = field(default_factory=free_port)
    accepted: list[Received] = field(default_factory=list)
    refused: int = 0  # attempts answered with an error (down, or a bad signature)
    bad_signatures: int = 0
    _server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if receiver.mode != "up":
                    receiver.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                try:
                    Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                except WebhookVerificationError:
                    receiver.bad_signatures += 1
                    receiver.refused += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                assert "cookie" not in {k.lower() for k in self.headers}
                data = json.loads(body)
                receiver.accepted.append(Received(self.headers["webhook-id"], data["data"]["seq"], data))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """The port closed: connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids(self) -> list[str]:
        return [r.id for r in self.accepted]


class Subs(Agencies):
    """Agencies with subscriptions, holders with consents, and the job runner."""

    async def consent(self, holder: Holder, agency_id, *, card_status=True, accounts=False, certificates=None) -> dict:
        body = {
            "agency_id": str(agency_id),
            "purpose": "Pension eligibility follow-up",
            "card_status": card_status,
            "account_changes": accounts,
            "certificates": certificates or [],
            "valid_until": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(),
        }
        response = await self.client.post("/api/v1/me/consents", json=body, headers=holder.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def subscribe(self, agency: dict[str, str], url: str | None, types: list[str], **extra) -> tuple[str, str]:
        body = {"event_types": types, "description": "养老金资格核查", **extra}
        if url is not None:
            body["url"] = url
        response = await self.client.post("/api/v1/agency/subscriptions", json=body, headers=agency)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["secret"].startswith("whsec_")
        return created["subscription"]["id"], created["secret"]

    async def deliveries(self, agency: dict[str, str], sub_id: str, state: str | None = None) -> list[dict]:
        items: list[dict] = []
        after = 0
        while True:
            query = f"?after={after}&limit=200" + (f"&state={state}" if state else "")
            response = await self.client.get(f"/api/v1/agency/subscriptions/{sub_id}/deliveries{query}", headers=agency)
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            if page["next_after"] is None:
                return items
            after = page["next_after"]

    async def subscription(self, agency: dict[str, str], sub_id: str) -> dict:
        response = await self.client.get(f"/api/v1/agency/subscriptions/{sub_id}", headers=agency)
        assert response.status_code == 200, response.text
        return response.json()

    def subject(self, agency_id, person_id) -> str:
        """The holder's pseudonym for this agency, computed here from the documented formula (docs/webhooks.md)."""
        keyring = self.client.app.state.keystore.load()
        key = hmac.new(keyring.blind, b"agency event subject", hashlib.sha256).digest()
        digest = hmac.new(key, uuid.UUID(str(agency_id)).bytes + uuid.UUID(str(person_id)).bytes, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    async def run_jobs(self) -> int:
        from backend.features import job_handlers
        from backend.jobs import runner
        from backend.jobs.services import Context

        app = self.client.app
        context = Context(settings=app.state.settings, keystore=app.state.keystore)
        return await self.call(runner.drain, job_handlers(), context)

    async def settle(self, until, *, seconds: float = 60.0) -> None:
        """Run jobs (retries come due after their back-off) until `until()` holds."""
        deadline = time.monotonic() + seconds
        while True:
            await self.run_jobs()
            if await until():
                return
            if time.monotonic() > deadline:
                pytest.fail("the deliveries did not settle in time")
            await asyncio.sleep(0.1)


def fast(settings, **overrides):
    """Settings with a short back-off, so retries come due within a test."""
    values = {"jobs_backoff_seconds": 0.05, "jobs_backoff_max_seconds": 0.3, **overrides}
    return msgspec.structs.replace(settings, **values)
