"""The web pages: users' password hashes, their run of failed sign-ins and lock-out; the clocks' indexes for the
worklists and BPJS's queues

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa
import berjasa.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', berjasa.db.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.create_index('ix_clocks_party_state_due', ['party', 'state', 'due_at'], unique=False)
        batch_op.create_index('ix_clocks_policy_state_due', ['policy', 'state', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_clocks_policy_state_due')
        batch_op.drop_index('ix_clocks_party_state_due')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('password_hash')
