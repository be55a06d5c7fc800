"""Piccolo configuration: the engine is swapped in at start-up by backend.lib.db.configure."""

import importlib.util

from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine

from backend.features import FEATURES

# Placeholder until configure() runs; never written to.
DB = SQLiteEngine(path=":memory:")


def _apps() -> list[str]:
    names = []
    for feature in FEATURES:
        module = f"backend.{feature}.piccolo_app"
        if importlib.util.find_spec(f"backend.{feature}") and importlib.util.find_spec(module):
            names.append(module)
    return names


APP_REGISTRY = AppRegistry(apps=_apps())
