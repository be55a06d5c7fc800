"""db helpers for hot paths: Loader batches by distinct key; insert_rows picks the right statement form."""

import pytest


@pytest.mark.anyio
async def test_a_loader_fetches_each_distinct_key_once_per_batch(monkeypatch):
    from backend.lib import db

    asked: list[list[str]] = []

    async def fetch_many(keys: list[str]) -> list[str]:
        asked.append(list(keys))
        return [k.upper() for k in keys]

    monkeypatch.setattr(db, "in_transaction", lambda: False)  # no database here: outside any transaction
    loader = db.Loader(fetch_many)
    pending = [loader.soon(k) for k in ["a", "b", "a", "a"]]
    assert [await p for p in pending] == ["A", "B", "A", "A"]
    assert asked == [["a", "b"]]


def test_array_columns_take_the_values_form_of_insert_rows():
    from piccolo.columns import Array, Varchar
    from piccolo.table import Table

    from backend.lib import db

    class Tagged(Table, tablename="test_tagged"):
        tags = Array(Varchar())
        name = Varchar()

    # unnest would flatten an array column's arrays into the rows: never used for those.
    assert db._unnest_insert(Tagged, ("tags", "name")) is None
    assert "unnest(" in db._unnest_insert(Tagged, ("name",))
