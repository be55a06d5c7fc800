"""Piccolo app for the certificates feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.certificates.tables import Certificate, CertificateType

APP_CONFIG = AppConfig(
    app_name="certificates",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[CertificateType, Certificate],
    migration_dependencies=["backend.org.piccolo_app", "backend.identity.piccolo_app"],
    commands=[],
)
