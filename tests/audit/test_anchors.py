"""Anchors (issue 20, "Must show"): the head signed and published; cutting off the newest entries is
found by `yikatong audit verify` with no remembered head; a forged anchor fails; a witness's copy
catches anchors deleted together with their entries."""

import asyncio
import base64
import datetime as dt
import json

import pytest

from backend.audit import anchors
from tests.audit.helpers import (
    append,
    cli,
    cut_anchors_from,
    cut_entries_after,
    restore_anchors,
    restore_entries,
    set_statement,
)

pytestmark = pytest.mark.anyio


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _anchor(world):
    return await world.call(anchors.anchor_now, world.keyring, now=_now(), region="440000")


async def _anchor_twice_at_once(keyring) -> list:
    return await asyncio.gather(*(anchors.anchor_now(keyring, now=_now(), region="440000") for _ in range(2)))


def _claims(statement: str) -> dict:
    body = statement.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


async def test_anchor_signs_the_head_once_and_is_published(world):
    rows = await world.call(append, 3)
    made = await _anchor(world)
    assert made is not None and made.seq >= rows[-1].seq
    assert await _anchor(world) is None  # the head is already anchored: nothing new
    await world.call(append, 1)
    both = await world.call(_anchor_twice_at_once, world.keyring)
    assert sum(a is not None for a in both) == 1  # two workers at once write one anchor
    newest = next(a for a in both if a is not None)
    assert newest.number == made.number + 1 and newest.prev == anchors.statement_digest(made.statement)

    # Public, for any witness: no token.
    page = (await world.client.get("/api/v1/audit/anchors", params={"after": made.number - 1})).json()
    assert [a["number"] for a in page["items"]][:2] == [made.number, newest.number]
    keys = (await world.client.get("/api/v1/audit/anchors/keys")).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"
    public = {keys[0]["kid"]: base64.urlsafe_b64decode(keys[0]["x"] + "=")}
    claims = anchors.open_statement(page["items"][1]["statement"], public)
    assert (claims.number, claims.seq, claims.hash, claims.region) == (newest.number, newest.seq, newest.hash, "440000")
    header = json.loads(base64.urlsafe_b64decode(newest.statement.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": keys[0]["kid"], "typ": "yikatong-anchor+jwt"}
    assert set(_claims(newest.statement)) == {"region", "number", "seq", "hash", "prev", "at"}
    bad = await world.client.get("/api/v1/audit/anchors", params={"limit": 0})
    assert bad.status_code == 400


async def test_verify_finds_truncation_without_a_remembered_head(world, settings):
    await world.call(append, 3)
    first = await _anchor(world)
    assert first is not None
    await world.call(append, 3)
    second = await _anchor(world)
    assert second is not None and second.seq == first.seq + 3

    done = await asyncio.to_thread(cli, settings, "verify")
    assert done.returncode == 0 and done.stdout.startswith("ok: "), done.stderr

    # Cut the two newest entries in SQL: no head was noted anywhere, yet the anchors show it.
    removed = await world.call(cut_entries_after, second.seq - 2)
    try:
        done = await asyncio.to_thread(cli, settings, "verify")
        assert done.returncode == 1
        assert "(truncated)" in done.stderr, done.stderr
        assert f"entries {second.seq - 1} to {second.seq} were removed from the end" in done.stderr
        report = (await world.client.get("/api/v1/audit/chain", headers=await world.operator())).json()
        assert not report["ok"] and report["first_break"]["kind"] == "truncated"
        assert await _anchor(world) is None  # a head behind the newest anchor is never signed
    finally:
        await world.call(restore_entries, removed)
    done = await asyncio.to_thread(cli, settings, "verify")
    assert done.returncode == 0, done.stderr


async def test_a_forged_anchor_fails(world, settings):
    await world.call(append, 2)
    made = await _anchor(world)
    assert made is not None
    head, _body, signature = made.statement.split(".")
    claims = _claims(made.statement)
    claims["seq"] = made.seq - 1  # "the chain was shorter": an attempt to cover a truncation
    forged_body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    await world.call(set_statement, made.number, f"{head}.{forged_body}.{signature}")
    try:
        done = await asyncio.to_thread(cli, settings, "verify")
        assert done.returncode == 1 and "(bad_anchor)" in done.stderr, done.stderr
        assert f"Anchor {made.number} does not verify" in done.stderr
    finally:
        await world.call(set_statement, made.number, made.statement)
    done = await asyncio.to_thread(cli, settings, "verify")
    assert done.returncode == 0, done.stderr


async def test_a_witness_copy_catches_anchors_deleted_with_their_entries(world, settings, tmp_path):
    await world.call(append, 2)
    kept = await _anchor(world)
    await world.call(append, 2)
    last = await _anchor(world)
    assert kept is not None and last is not None

    exported = await asyncio.to_thread(cli, settings, "anchors", "--after", str(kept.number - 1))
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [line["number"] for line in lines] == [kept.number, last.number]
    assert all(set(line) == {"number", "seq", "hash", "prev", "kid", "statement", "at"} for line in lines)
    witness = tmp_path / "witness.jsonl"
    witness.write_text(exported.stdout, encoding="utf-8")

    # Delete the newest anchor and every entry it held beyond the one before: the database alone looks whole.
    anchor_rows = await world.call(cut_anchors_from, last.number)
    entry_rows = await world.call(cut_entries_after, kept.seq)
    try:
        alone = await asyncio.to_thread(cli, settings, "verify")
        assert alone.returncode == 0, alone.stderr
        done = await asyncio.to_thread(cli, settings, "verify", "--anchors", str(witness))
        assert done.returncode == 1 and "(anchors_deleted)" in done.stderr, done.stderr
        assert f"Anchor {last.number} (entry {last.seq}) is in the witness's copy but not in the database" in done.stderr
    finally:
        await world.call(restore_entries, entry_rows)
        await world.call(restore_anchors, anchor_rows)
    done = await asyncio.to_thread(cli, settings, "verify", "--anchors", str(witness))
    assert done.returncode == 0, done.stderr
    # The old noted-head form still works beside the anchors.
    done = await asyncio.to_thread(cli, settings, "verify", "--anchor", f"{last.seq}:{last.hash}")
    assert done.returncode == 0, done.stderr


async def test_anchor_command_and_job(world, settings):
    for _ in range(3):  # the app's periodic job may anchor the new head first, at a 5-minute boundary
        await world.call(append, 1)
        done = await asyncio.to_thread(cli, settings, "anchor")
        assert done.returncode == 0, done.stderr
        if done.stdout.startswith("anchor "):
            break
    assert done.stdout.startswith("anchor "), done.stdout
    done = await asyncio.to_thread(cli, settings, "anchor")
    assert done.returncode == 0 and done.stdout.startswith("nothing to anchor"), done.stderr

    from backend.audit import workers
    from backend.features import job_handlers, periodic_jobs
    from backend.jobs.services import Context

    assert job_handlers()[workers.ANCHOR_JOB] is workers.HANDLERS[workers.ANCHOR_JOB]
    assert periodic_jobs()[workers.ANCHOR_JOB](settings) == settings.audit_anchor_seconds
    await world.call(append, 1)
    ctx = Context(settings=settings, keystore=world.client.app.state.keystore)
    await world.call(workers.HANDLERS[workers.ANCHOR_JOB], {"slot": 1}, ctx)
    await world.call(workers.HANDLERS[workers.ANCHOR_JOB], {"slot": 1}, ctx)  # again: idempotent
    page = (await world.client.get("/api/v1/audit/anchors", params={"limit": 1000})).json()
    heads = [(a["seq"], a["hash"]) for a in page["items"]]
    assert len(heads) == len(set(heads))  # no head anchored twice
