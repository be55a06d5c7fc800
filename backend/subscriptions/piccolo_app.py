"""Piccolo app for the subscriptions feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.subscriptions.tables import Delivery, Subscription

APP_CONFIG = AppConfig(
    app_name="subscriptions",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Subscription, Delivery],
    migration_dependencies=["backend.identity.piccolo_app", "backend.org.piccolo_app", "backend.events.piccolo_app"],
    commands=[],
)
