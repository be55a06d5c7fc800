"""Piccolo app for the accounts feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.accounts.tables import Account, Client, Passkey, PasskeyChallenge, RecoveryCode, Session, StaffMember

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Account, StaffMember, RecoveryCode, Session, Client, Passkey, PasskeyChallenge],
    migration_dependencies=["backend.identity.piccolo_app", "backend.org.piccolo_app"],
    commands=[],
)
