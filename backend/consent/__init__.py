"""Consents holders give agencies, and agency queries on a legal basis or a consent."""
