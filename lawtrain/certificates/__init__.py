"""Certificates: issue rules, PDF, verification."""
