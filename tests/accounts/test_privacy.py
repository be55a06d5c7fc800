"""Identity numbers never leave unmasked: not in answers, not in logs, not in the database clear."""

from __future__ import annotations

import logging

import pyotp
import pytest

from backend.identity.documents import mask
from tests.accounts.helpers import PASSWORD, bearer, login, new_id_number, register

pytestmark = pytest.mark.anyio


async def test_identity_number_only_ever_masked(client, caplog):
    caplog.set_level(logging.DEBUG)
    id_number = new_id_number()
    answers = []
    _, response = await register(client, id_number)
    answers.append(response)
    answers.append((await register(client, id_number))[1])  # 409
    wrong_check = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
    answers.append((await register(client, wrong_check))[1])
    answers.append((await register(client, new_id_number(), password=f"pw{id_number}"))[1])
    answers.append(await login(client, id_number, "wrong password!"))
    signed_in = await login(client, id_number)
    answers.append(signed_in)
    headers = bearer(signed_in.json()["token"])
    answers.append(await client.get("/api/v1/me", headers=headers))
    answers.append(await client.get("/api/v1/me/sessions", headers=headers))
    enrolment = await client.post("/api/v1/me/totp", headers=headers)
    answers.append(enrolment)
    answers.append(
        await client.post("/api/v1/me/totp/confirm", json={"code": pyotp.TOTP(enrolment.json()["secret"]).now()}, headers=headers)
    )
    answers.append(
        await client.post(
            "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": f"{id_number}!"}, headers=headers
        )
    )

    for answer in answers:
        assert answer.status_code < 500, answer.text
        assert id_number not in answer.text
        assert id_number[:-1] not in answer.text  # not even without the check character
    assert mask(id_number) in answers[6].text

    assert caplog.records, "the app should have logged something"
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(str(v) for v in record.__dict__.values())
        assert id_number not in text and id_number[:-1] not in text
