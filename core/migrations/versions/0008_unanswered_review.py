"""the office's review of unanswered questions: state (pending/reviewed/ignored), by whom, when

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kb_unanswered_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_state', sa.String(length=16), nullable=False,
                                      server_default='pending'))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_kb_unanswered_questions_review_state'), ['review_state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kb_unanswered_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_unanswered_questions_review_state'))
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('review_state')
