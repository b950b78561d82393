"""Alembic migrations of every package's tables (`kb_*`, `act_*`, `ho_*`); run by
`core.db.migrate`, never imported (a package so import-linter sees `core.migrations.env`)."""
