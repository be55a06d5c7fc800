"""Piccolo app for the inbox feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.inbox.tables import Notice, PushSubscription

APP_CONFIG = AppConfig(
    app_name="inbox",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Notice, PushSubscription],
    migration_dependencies=["backend.identity.piccolo_app"],
    commands=[],
)
