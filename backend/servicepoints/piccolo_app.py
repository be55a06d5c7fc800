"""Piccolo app for the service points feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.servicepoints.tables import ServicePoint, Ticket, TicketMessage

APP_CONFIG = AppConfig(
    app_name="servicepoints",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[ServicePoint, Ticket, TicketMessage],
    migration_dependencies=["backend.org.piccolo_app"],
    commands=[],
)
