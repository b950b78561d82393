"""one convention for stored times: the knowledge base's bookkeeping times, stored as naive
UTC until now, become naive Beijing time like every other table's (core/clock.py)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 07:40:00

The values move by the zone's offset (UTC+8, Asia/Shanghai has no daylight saving), row by
row through SQLAlchemy Core so that the same migration runs on SQLite and PostgreSQL.
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OFFSET = dt.timedelta(hours=8)
COLUMNS = {"kb_documents": ("built_at", "withdrawn_at"), "kb_unanswered_questions": ("asked_at",)}


def _shift(by: dt.timedelta) -> None:
    connection = op.get_bind()
    for name, columns in COLUMNS.items():
        table = sa.table(name, sa.column("id", sa.Integer), *(sa.column(c, sa.DateTime) for c in columns))
        for row in connection.execute(sa.select(table)).mappings().all():
            values = {c: row[c] + by for c in columns if row[c] is not None}
            if values:
                connection.execute(sa.update(table).where(table.c.id == row["id"]).values(**values))


def upgrade() -> None:
    _shift(OFFSET)


def downgrade() -> None:
    _shift(-OFFSET)
