"""Piccolo app for the catalog feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.catalog.tables import CatalogItem, CatalogState, ItemVersion, ScenarioOwner, VenueItem

APP_CONFIG = AppConfig(
    app_name="catalog",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[CatalogItem, ItemVersion, ScenarioOwner, VenueItem, CatalogState],
    migration_dependencies=["backend.venues.piccolo_app"],
    commands=[],
)
