"""case rows carry the hash of their newest audit event; claim list indexes

Revision ID: 0005
Revises: 0004

A transition seals its event from the case row it has locked anyway, instead of reading the
previous event. NULL (rows written before this revision, bulk imports) means: read it.
Claims lists are ordered newest first (created_at, id); flags get partial indexes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = ("enrolments", "claims")
FLAGS = ("late_stage1_report", "participant_unknown", "possible_duplicate")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('last_event_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_claims_created', 'claims', ['created_at', 'id'])
    for flag in FLAGS:
        op.create_index(f'ix_claims_{flag}', 'claims', ['created_at', 'id'], postgresql_where=sa.text(flag),
                        sqlite_where=sa.text(f"{flag} = 1"))
    op.drop_index('ix_claim_hospitals_hospital_id', table_name='claim_hospitals')
    op.create_index('ix_claim_hospitals_hospital_claim', 'claim_hospitals', ['hospital_id', 'claim_id'])


def downgrade() -> None:
    op.drop_index('ix_claim_hospitals_hospital_claim', table_name='claim_hospitals')
    op.create_index('ix_claim_hospitals_hospital_id', 'claim_hospitals', ['hospital_id'])
    for flag in FLAGS:
        op.drop_index(f'ix_claims_{flag}', table_name='claims')
    op.drop_index('ix_claims_created', table_name='claims')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('last_event_hash')
