"""Venues, their scanners, code verification at venues and the record of every verification."""
