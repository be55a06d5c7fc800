"""Piccolo app for the federation feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.federation.tables import Region, Revocations, TrustList

APP_CONFIG = AppConfig(
    app_name="federation",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Region, TrustList, Revocations],
    migration_dependencies=[],
    commands=[],
)
