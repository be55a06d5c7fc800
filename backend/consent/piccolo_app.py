"""Piccolo app for the consent feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.consent.tables import Consent, EmployerConsent

APP_CONFIG = AppConfig(
    app_name="consent",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Consent, EmployerConsent],
    migration_dependencies=["backend.org.piccolo_app", "backend.identity.piccolo_app"],
    commands=[],
)
