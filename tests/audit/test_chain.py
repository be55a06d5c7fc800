"""The access record's hash chain: one chain under concurrent writers, and tampering found at the right entry."""

import asyncio
import subprocess
import uuid

import msgspec
import pytest

from backend.audit.schemas import AuditRecord
from backend.audit.tables import AccessEntry
from tests.audit.helpers import append, cli

pytestmark = pytest.mark.anyio


async def _append_concurrently(person: uuid.UUID, n: int) -> list[list[AuditRecord]]:
    return await asyncio.gather(*(append(1, person) for _ in range(n)))


async def _set(position: int, **values) -> None:
    await AccessEntry.update({getattr(AccessEntry, k): v for k, v in values.items()}).where(AccessEntry.seq == position).run()


async def _swap(a: int, b: int) -> None:
    await _set(a, seq=-1)
    await _set(b, seq=a)
    await _set(-1, seq=b)


async def _delete(seq: int) -> dict:
    row = await AccessEntry.select().where(AccessEntry.seq == seq).first().output(load_json=True).run()
    await AccessEntry.delete().where(AccessEntry.seq == seq).run()
    return row


async def _restore(row: dict) -> None:
    await AccessEntry.insert(AccessEntry(**row)).run()


def _cli(settings) -> subprocess.CompletedProcess:
    return cli(settings, "verify")


async def test_concurrent_writers_keep_one_chain(world):
    person = uuid.uuid4()
    rows = await world.call(_append_concurrently, person, 40)
    seqs = sorted(r[0].seq for r in rows)
    assert seqs == list(range(seqs[0], seqs[0] + 40))  # no gaps, no duplicates
    report = (await world.client.get("/api/v1/audit/chain", headers=await world.operator())).json()
    assert report["ok"], report
    assert report["head_seq"] >= seqs[-1]


async def test_chain_check_finds_edited_deleted_and_reordered_entries(world, settings):
    op = await world.operator()
    rows = await world.call(append, 4, uuid.uuid4())
    first, second, third = (r.seq for r in rows[:3])

    async def check(**params) -> dict:
        return (await world.client.get("/api/v1/audit/chain", params=params, headers=op)).json()

    report = await check()
    assert report["ok"] and report["first_break"] is None
    head = (report["head_seq"], report["head_hash"])

    await world.call(_set, second, purpose="nothing to see here")
    try:
        brk = (await check())["first_break"]
        assert (brk["kind"], brk["seq"], brk["entry_id"]) == ("edited", second, str(rows[1].id))
        cli = await asyncio.to_thread(_cli, settings)
        assert cli.returncode == 1 and f"BROKEN at entry {second} (edited)" in cli.stderr
    finally:
        await world.call(_set, second, purpose="entry 1")

    deleted = await world.call(_delete, second)
    try:
        brk = (await check())["first_break"]
        assert (brk["kind"], brk["seq"]) == ("deleted", third) and f"Entry {second} is missing" in brk["message"]
    finally:
        await world.call(_restore, deleted)

    await world.call(_swap, first, second)
    try:
        brk = (await check())["first_break"]
        assert (brk["kind"], brk["seq"]) == ("reordered", first)
    finally:
        await world.call(_swap, first, second)

    # Rewritten with fresh hashes from the edit on: the next entry no longer links to it.
    from backend.audit.chain import entry_hash

    original = rows[1].hash
    forged = entry_hash({**msgspec.structs.asdict(rows[1]), "purpose": "forged"})
    await world.call(_set, second, purpose="forged", hash=forged)
    try:
        brk = (await check())["first_break"]
        assert (brk["kind"], brk["seq"]) == ("broken_link", third)
    finally:
        await world.call(_set, second, purpose="entry 1", hash=original)

    assert (await check(anchor_seq=head[0], anchor_hash=head[1]))["ok"]
    brk = (await check(anchor_seq=head[0], anchor_hash="0" * 64))["first_break"]
    assert brk["kind"] == "anchor_mismatch"
    response = await world.client.get("/api/v1/audit/chain", params={"anchor_seq": 3}, headers=op)
    assert response.status_code == 422 and response.json()["error"]["code"] == "audit.bad_anchor"
    cli = await asyncio.to_thread(_cli, settings)
    assert cli.returncode == 0 and cli.stdout.startswith("ok: "), cli.stderr
