"""Yikatong: the electronic social security card service."""

import os

# Piccolo finds its engine and apps through this module; set before any table import.
os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
