"""plans side by side by year: withdrawn documents, partners and written deadlines of tasks,
time and place of open-day sites

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 01:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kb_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('kb_work_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partners', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('deadline_text', sa.String(length=60), nullable=True))
    with op.batch_alter_table('kb_open_day_sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('place', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kb_open_day_sites', schema=None) as batch_op:
        batch_op.drop_column('place')
        batch_op.drop_column('time')
    with op.batch_alter_table('kb_work_items', schema=None) as batch_op:
        batch_op.drop_column('deadline_text')
        batch_op.drop_column('partners')
    with op.batch_alter_table('kb_documents', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
