"""Retention: an index on processed_messages.processed_at (the pruning job's order), and participants'
pseudonymised_at (the personal-data retention rule)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa
import berjasa.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_messages', schema=None) as batch_op:
        batch_op.create_index('ix_processed_messages_processed_at', ['processed_at'], unique=False)

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonymised_at', berjasa.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('pseudonymised_at')

    with op.batch_alter_table('processed_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_processed_messages_processed_at')
