"""Piccolo app for the OpenID provider."""

import os

from piccolo.conf.apps import AppConfig

from backend.oidc.tables import AccessToken, AuthCode, AuthRequest, Grant, RelyingParty

APP_CONFIG = AppConfig(
    app_name="oidc",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[RelyingParty, AuthRequest, AuthCode, AccessToken, Grant],
    migration_dependencies=["backend.identity.piccolo_app"],
    commands=[],
)
