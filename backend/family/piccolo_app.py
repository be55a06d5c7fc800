"""Piccolo app for the family feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.family.tables import ProxyCode, Relation

APP_CONFIG = AppConfig(
    app_name="family",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Relation, ProxyCode],
    migration_dependencies=["backend.identity.piccolo_app"],
    commands=[],
)
