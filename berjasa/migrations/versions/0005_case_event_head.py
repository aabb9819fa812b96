"""case rows carry the hash of their newest audit event

Revision ID: 0005
Revises: 0004

A transition seals its event from the case row it has locked anyway, instead of reading the
previous event. NULL (rows written before this revision, bulk imports) means: read it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = ("enrolments", "claims")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('last_event_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('last_event_hash')
