"""cross-checks: BPJS membership files, premium invoices and payments, check runs, the discrepancy queue

Revision ID: 0013
Revises: 0012

Enrolments record why they were terminated (end_reason), filled in for those terminated before from their
audit events.
"""
from alembic import op
import sqlalchemy as sa
import berjasa.db
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bpjs_memberships',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('kpj_number', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('programmes', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('coverage_start', sa.Date(), nullable=True),
    sa.Column('paid_until', sa.Date(), nullable=True),
    sa.Column('arrears_months', sa.SmallInteger(), nullable=False),
    sa.Column('payer', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', 'nik', name=op.f('pk_bpjs_memberships')),
    sqlite_with_rowid=False
    )
    op.create_table('check_nights',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_check_nights'))
    )
    op.create_table('check_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('check', sa.String(length=48), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('auto_resolved', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_runs'))
    )
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.create_index('ix_check_runs_check', ['check', 'id'], unique=False)
        batch_op.create_index('ix_check_runs_import', ['import_batch_id'], unique=False)

    op.create_table('premium_invoices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('cohort', sa.String(length=24), nullable=False),
    sa.Column('programme', sa.String(length=8), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_premium_invoices')),
    sa.UniqueConstraint('reference', name=op.f('uq_premium_invoices_reference'))
    )
    with op.batch_alter_table('premium_invoices', schema=None) as batch_op:
        batch_op.create_index('ix_premium_invoices_month', ['month', 'cohort', 'programme'], unique=False)

    op.create_table('premium_payments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('invoice_reference', sa.String(length=64), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_premium_payments')),
    sa.UniqueConstraint('reference', name=op.f('uq_premium_payments_reference'))
    )
    with op.batch_alter_table('premium_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_premium_payments_invoice_reference'), ['invoice_reference'], unique=False)

    op.create_table('discrepancies',
    sa.Column('state', sa.Enum('open', 'acknowledged', 'resolved', 'dismissed', name='discrepancystate', native_enum=False, length=16), nullable=False),
    sa.Column('check_name', sa.String(length=48), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_key', sa.String(length=64), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('kecamatan_code', sa.String(length=2), nullable=True),
    sa.Column('participant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('claim_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('evidence_hash', sa.String(length=64), nullable=False),
    sa.Column('found_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('evidence_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_by_data', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_event_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['hospital_id'], ['parties.id'], name=op.f('fk_discrepancies_hospital_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discrepancies')),
    sa.UniqueConstraint('check_name', 'subject_type', 'subject_key', name='uq_discrepancies_check_subject')
    )
    with op.batch_alter_table('discrepancies', schema=None) as batch_op:
        batch_op.create_index('ix_discrepancies_claim', ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discrepancies_hospital_id'), ['hospital_id'], unique=False)
        batch_op.create_index('ix_discrepancies_participant', ['participant_id'], unique=False)
        batch_op.create_index('ix_discrepancies_party_state', ['party', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_discrepancies_state'), ['state'], unique=False)

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_reason', sa.String(length=32), nullable=True))
    _end_reasons_from_the_audit_log()


def _end_reasons_from_the_audit_log() -> None:
    reason = ("ce.data->>'reason'" if op.get_bind().dialect.name == "postgresql"
              else "json_extract(ce.data, '$.reason')")
    op.execute(f"UPDATE enrolments SET end_reason = (SELECT {reason} FROM case_events ce "
               "WHERE ce.case_type = 'enrolment' AND ce.case_id = enrolments.id AND ce.trigger = 'terminate' "
               "ORDER BY ce.seq DESC LIMIT 1) WHERE state = 'terminated'")


def downgrade() -> None:
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('end_reason')

    with op.batch_alter_table('discrepancies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discrepancies_state'))
        batch_op.drop_index('ix_discrepancies_party_state')
        batch_op.drop_index('ix_discrepancies_participant')
        batch_op.drop_index(batch_op.f('ix_discrepancies_hospital_id'))
        batch_op.drop_index('ix_discrepancies_claim')

    op.drop_table('discrepancies')
    with op.batch_alter_table('premium_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_premium_payments_invoice_reference'))

    op.drop_table('premium_payments')
    with op.batch_alter_table('premium_invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_premium_invoices_month')

    op.drop_table('premium_invoices')
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_check_runs_import')
        batch_op.drop_index('ix_check_runs_check')

    op.drop_table('check_runs')
    op.drop_table('check_nights')
    op.drop_table('bpjs_memberships')
