"""Shared pieces used by every feature."""
