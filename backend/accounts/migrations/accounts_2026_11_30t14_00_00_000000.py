"""Passkeys (WebAuthn credentials of citizens) and their single-use challenges."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import UUID, BigInt, Boolean, Bytea, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Passkeys and passkey challenges."


class Account(Table, tablename="accounts_account", schema=None):
    id = UUID(default=UUID4(), null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree)


def _params(**given):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(given)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_table(class_name="Passkey", tablename="accounts_passkey", schema=None, columns=None)
    manager.add_table(class_name="PasskeyChallenge", tablename="accounts_passkey_challenge", schema=None, columns=None)
    columns = (
        ("Passkey", "accounts_passkey", "id", UUID, _params(default=UUID4(), primary_key=True)),
        (
            "Passkey",
            "accounts_passkey",
            "account",
            ForeignKey,
            _params(
                references=Account,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
            ),
        ),
        ("Passkey", "accounts_passkey", "credential_id", Varchar, _params(length=1400, default="", unique=True)),
        ("Passkey", "accounts_passkey", "public_key", Bytea, _params(default=b"")),
        ("Passkey", "accounts_passkey", "sign_count", BigInt, _params(default=0)),
        ("Passkey", "accounts_passkey", "transports", Varchar, _params(length=128, default="")),
        ("Passkey", "accounts_passkey", "label", Varchar, _params(length=64, default="")),
        ("Passkey", "accounts_passkey", "backed_up", Boolean, _params(default=False)),
        ("Passkey", "accounts_passkey", "created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("Passkey", "accounts_passkey", "last_used_at", Timestamptz, _params(default=None, null=True)),
        ("PasskeyChallenge", "accounts_passkey_challenge", "id", UUID, _params(default=UUID4(), primary_key=True)),
        (
            "PasskeyChallenge",
            "accounts_passkey_challenge",
            "challenge_hash",
            Varchar,
            _params(length=64, default="", unique=True),
        ),
        ("PasskeyChallenge", "accounts_passkey_challenge", "purpose", Varchar, _params(length=16, default="")),
        ("PasskeyChallenge", "accounts_passkey_challenge", "account_id", UUID, _params(default=None, null=True)),
        ("PasskeyChallenge", "accounts_passkey_challenge", "session_id", UUID, _params(default=None, null=True)),
        ("PasskeyChallenge", "accounts_passkey_challenge", "expires_at", Timestamptz, _params(default=TimestamptzNow(), index=True)),
    )
    for class_name, tablename, column, column_class, params in columns:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
