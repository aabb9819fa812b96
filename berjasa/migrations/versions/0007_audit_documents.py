"""audit verifications run over HTTP; a claim's documents handed in and still missing

Revision ID: 0007
Revises: 0006

POST /api/v1/audit/verifications records a run here and a worker fills it in. Claims keep the union of
the stage-II documents handed in so far and what BPJS asked for, so that after request_documents only the
missing ones need be sent (NULL on older rows: none).
"""
from alembic import op
import sqlalchemy as sa
import berjasa.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_verifications',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('events', sa.BigInteger(), nullable=True),
        sa.Column('cases', sa.BigInteger(), nullable=True),
        sa.Column('broken_cases', sa.BigInteger(), nullable=True),
        sa.Column('first_break', sa.JSON(), nullable=True),
        sa.Column('failure', sa.Text(), nullable=True),
        sa.Column('created_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('started_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_verifications')),
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documents', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('missing_documents', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('missing_documents')
        batch_op.drop_column('documents')
    op.drop_table('audit_verifications')
