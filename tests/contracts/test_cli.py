"""`yikatong contracts verify`: an evidence bundle checked offline; a changed document, a forged event or
another employer's key fail it."""

from __future__ import annotations

import argparse
import json

import pytest

from backend.contracts.cli import add_contracts_parser
from tests.contracts.helpers import Contracts

pytestmark = pytest.mark.anyio


def verify(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_contracts_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["contracts", "verify", *argv])
    return args.func(args)


async def test_a_bundle_verifies_offline_and_a_changed_one_does_not(world: Contracts, tmp_path, capsys):
    firm = await world.firm()
    other = await world.firm()
    holder = await world.holder()
    phone = await world.phone(holder)
    contract = await world.signed(firm, holder, phone)
    base = f"/api/v1/me/contracts/{contract['id']}"
    ending = {"terminated_on": "2030-03-31", "reason": "劳动者提前三十日书面通知解除"}
    preview = (await world.client.post(f"{base}/termination/preview", json=ending, headers=holder.headers)).json()
    body = ending | {"device_key_id": phone.key_id, "signature": phone.sign(preview["signing_input"])}
    assert (await world.client.post(f"{base}/termination", json=body, headers=holder.headers)).status_code == 200
    bundle = (await world.client.get(f"{base}/evidence", headers=holder.headers)).json()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")

    assert verify(str(path)) == 0
    # `=`: a base64url key may start with "-", which argparse would take for an option
    assert verify(str(path), f"--employer-key={firm.key.public}") == 0
    out = capsys.readouterr().out
    assert "VALID" in out and "FAIL" not in out and firm.name in out
    assert verify(str(path), f"--employer-key={other.key.public}") == 1
    assert "signed by another key" in capsys.readouterr().out

    changed = dict(bundle, document=bundle["document"].replace("软件工程师", "实习生"))
    path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    assert verify(str(path)) == 1
    assert "FAIL  document hash" in capsys.readouterr().out

    event = dict(bundle["events"][0], document=bundle["events"][0]["document"].replace("2030-03-31", "2029-03-31"))
    path.write_text(json.dumps(dict(bundle, events=[event]), ensure_ascii=False), encoding="utf-8")
    assert verify(str(path)) == 1
    (tmp_path / "junk.json").write_text("{", encoding="utf-8")
    assert verify(str(tmp_path / "junk.json")) == 2
