"""Accounts and roles: citizen accounts, staff, sessions, TOTP, machine clients and permissions."""
