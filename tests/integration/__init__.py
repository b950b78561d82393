"""Integration tests: databases (SQLite and PostgreSQL), the CLI, one component in-process."""
