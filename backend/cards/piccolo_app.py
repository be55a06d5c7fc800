"""Piccolo app for the cards feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.cards.tables import Application, BankAccount, Card, CardEvent, Device, OfflineCredential, RevocationEntry

APP_CONFIG = AppConfig(
    app_name="cards",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Application, Card, CardEvent, Device, RevocationEntry, BankAccount, OfflineCredential],
    migration_dependencies=["backend.org.piccolo_app", "backend.identity.piccolo_app"],
    commands=[],
)
