"""The two-region fixture for every federation test (tests/federation/regions.py)."""

from tests.federation.regions import regions  # noqa: F401 - a fixture, found by pytest through this import
