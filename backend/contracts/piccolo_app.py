"""Piccolo app for the labour contracts feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.contracts.tables import Contract, ContractEvent

APP_CONFIG = AppConfig(
    app_name="contracts",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Contract, ContractEvent],
    migration_dependencies=["backend.org.piccolo_app", "backend.identity.piccolo_app"],
    commands=[],
)
