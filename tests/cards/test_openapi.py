"""Every cards operation is documented: summary, description, tags, and error answers where it can fail."""

import pytest

pytestmark = pytest.mark.anyio
PREFIXES = ("/api/v1/me/card", "/api/v1/me/devices", "/api/v1/staff/applications", "/api/v1/staff/cards", "/api/v1/banks")


async def test_cards_operations_are_documented(client):
    spec = (await client.get("/schema/openapi.json")).json()
    ours = {
        (path, method): op for path, item in spec["paths"].items() if path.startswith(PREFIXES) for method, op in item.items()
    }
    assert len(ours) >= 20
    for (path, method), op in ours.items():
        assert op.get("summary") and op.get("description") and op.get("tags"), (method, path)
    action = ours[("/api/v1/me/card/actions/{action}", "post")]
    assert "409" in action["responses"] and "card.illegal_transition" in action["description"]
