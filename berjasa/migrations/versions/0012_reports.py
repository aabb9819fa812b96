"""Reports: the read models of the SLA scorecards and the programme reports (tallies and aggregates), and an
index on notifications by case (case timelines)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_claim_counts',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('accident_type', sa.String(length=24), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('hospital_id', sa.BigInteger(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('month', 'state', 'accident_type', 'kecamatan', 'hospital_id', name=op.f('pk_report_claim_counts'))
    )
    op.create_table('report_claim_durations',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('hospital_id', sa.BigInteger(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('month', 'measure', 'kecamatan', 'hospital_id', 'bucket', name=op.f('pk_report_claim_durations'))
    )
    op.create_table('report_claim_flows',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('hospital_id', sa.BigInteger(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('amount', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('month', 'kind', 'kecamatan', 'hospital_id', name=op.f('pk_report_claim_flows'))
    )
    op.create_table('report_coverage_spans',
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('cohort', sa.String(length=24), nullable=False),
    sa.Column('start_day', sa.Date(), nullable=False),
    sa.Column('end_day', sa.Date(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('kecamatan', 'cohort', 'start_day', 'end_day', name=op.f('pk_report_coverage_spans'))
    )
    op.create_table('report_enrolment_stays',
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('cohort', sa.String(length=24), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('entered_day', sa.Date(), nullable=False),
    sa.Column('left_day', sa.Date(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('state', 'cohort', 'kecamatan', 'entered_day', 'left_day', name=op.f('pk_report_enrolment_stays'))
    )
    op.create_table('report_sla_counts',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('hospital_id', sa.BigInteger(), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('started', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('met_on_time', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('met_late', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('cancelled', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('cancelled_late', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('breached', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('breached_open', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('justified', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('month', 'policy', 'party', 'hospital_id', 'kecamatan', name=op.f('pk_report_sla_counts'))
    )
    op.create_table('report_sla_used',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('hospital_id', sa.BigInteger(), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('month', 'policy', 'party', 'hospital_id', 'kecamatan', 'bucket', name=op.f('pk_report_sla_used'))
    )
    op.create_table('report_sla_used_by',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('dim', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('month', 'dim', 'value', 'bucket', name=op.f('pk_report_sla_used_by'))
    )
    op.create_table('tally_claims',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('case_type', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('accident_type', sa.String(length=24), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('hospital_id', sa.BigInteger(), nullable=False),
    sa.Column('to_report', sa.Integer(), nullable=False),
    sa.Column('decided_month', sa.Date(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('to_decision', sa.Integer(), nullable=True),
    sa.Column('paid_month', sa.Date(), nullable=True),
    sa.Column('to_payment', sa.Integer(), nullable=True),
    sa.Column('benefits', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_claims'))
    )
    with op.batch_alter_table('tally_claims', schema=None) as batch_op:
        batch_op.create_index('ix_tally_claims_case', ['case_type', 'case_id'], unique=False)

    op.create_table('tally_coverage_periods',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('case_type', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('cohort', sa.String(length=24), nullable=False),
    sa.Column('start_day', sa.Date(), nullable=False),
    sa.Column('end_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_coverage_periods'))
    )
    with op.batch_alter_table('tally_coverage_periods', schema=None) as batch_op:
        batch_op.create_index('ix_tally_coverage_periods_case', ['case_type', 'case_id'], unique=False)

    op.create_table('tally_enrolment_stays',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('case_type', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('cohort', sa.String(length=24), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('entered_day', sa.Date(), nullable=False),
    sa.Column('left_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_enrolment_stays'))
    )
    with op.batch_alter_table('tally_enrolment_stays', schema=None) as batch_op:
        batch_op.create_index('ix_tally_enrolment_stays_case', ['case_type', 'case_id'], unique=False)

    op.create_table('tally_sla_clocks',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('case_type', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('hospital_id', sa.BigInteger(), nullable=False),
    sa.Column('kecamatan', sa.String(length=2), nullable=False),
    sa.Column('started_month', sa.Date(), nullable=False),
    sa.Column('stopped_month', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('breached_month', sa.Date(), nullable=True),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('justified', sa.Boolean(), nullable=False),
    sa.Column('used_bucket', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_sla_clocks'))
    )
    with op.batch_alter_table('tally_sla_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_tally_sla_clocks_case', ['case_type', 'case_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_case', ['case_type', 'case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_case')

    with op.batch_alter_table('tally_sla_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_sla_clocks_case')

    op.drop_table('tally_sla_clocks')
    with op.batch_alter_table('tally_enrolment_stays', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_enrolment_stays_case')

    op.drop_table('tally_enrolment_stays')
    with op.batch_alter_table('tally_coverage_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_coverage_periods_case')

    op.drop_table('tally_coverage_periods')
    with op.batch_alter_table('tally_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_claims_case')

    op.drop_table('tally_claims')
    op.drop_table('report_sla_used_by')
    op.drop_table('report_sla_used')
    op.drop_table('report_sla_counts')
    op.drop_table('report_enrolment_stays')
    op.drop_table('report_coverage_spans')
    op.drop_table('report_claim_flows')
    op.drop_table('report_claim_durations')
    op.drop_table('report_claim_counts')
