"""Piccolo app for the org feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.org.tables import Agency, Bank, City, Employer, EmployerKey, Office

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="org",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "migrations"),
    table_classes=[City, Office, Bank, Agency, Employer, EmployerKey],
    migration_dependencies=[],
    commands=[],
)
