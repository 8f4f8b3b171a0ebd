"""Accounts, roles, sign-in, sessions, throttling, the access policy and the audit log."""
