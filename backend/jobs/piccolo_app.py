"""Piccolo app for the jobs feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.jobs.tables import Job

APP_CONFIG = AppConfig(
    app_name="jobs",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Job],
    migration_dependencies=[],
    commands=[],
)
