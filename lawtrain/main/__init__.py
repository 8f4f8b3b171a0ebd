"""Home pages per role, language switch and health check."""
