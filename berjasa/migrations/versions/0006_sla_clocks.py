"""SLA clocks and breaches; the calendar's overrides and its changes

Revision ID: 0006
Revises: 0005

Clocks are rows written by the transition that causes them; the tick finds what needs attention through
ix_clocks_next_at (a partial index: only clocks with something still to come are in it).
"""
from alembic import op
import sqlalchemy as sa
import berjasa.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_changes',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('clocks_moved', sa.Integer(), nullable=False),
    sa.Column('at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_calendar_changes'))
    )
    op.create_table('calendar_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'cuti_bersama', 'working_day', name='daykind', native_enum=False, length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_overrides')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_overrides_day'))
    )
    op.create_table('clocks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_type', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('run', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('kecamatan_code', sa.String(length=2), nullable=True),
    sa.Column('started_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('running_since', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('used', sa.Float(), nullable=False),
    sa.Column('due_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('warn_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('escalate_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('next_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('warned_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('breached_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lateness', sa.Float(), nullable=True),
    sa.Column('calendar_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['parties.id'], name=op.f('fk_clocks_hospital_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clocks')),
    sa.UniqueConstraint('case_type', 'case_id', 'policy', 'run', name='uq_clocks_case_policy_run')
    )
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.create_index('ix_clocks_hospital', ['hospital_id', 'due_at'], unique=False)
        batch_op.create_index('ix_clocks_next_at', ['next_at'], unique=False, postgresql_where=sa.text('next_at IS NOT NULL'), sqlite_where=sa.text('next_at IS NOT NULL'))
        batch_op.create_index('ix_clocks_open_due', ['due_at'], unique=False, postgresql_where=sa.text("state IN ('running', 'breached')"), sqlite_where=sa.text("state IN ('running', 'breached')"))

    op.create_table('sla_breaches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clock_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_type', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('kecamatan_code', sa.String(length=2), nullable=True),
    sa.Column('due_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('breached_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', berjasa.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('met_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lateness', sa.Float(), nullable=True),
    sa.Column('escalated_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('justified', sa.Boolean(), nullable=False),
    sa.Column('justification_code', sa.String(length=32), nullable=True),
    sa.Column('justification_note', sa.Text(), nullable=True),
    sa.Column('justified_by', sa.String(length=64), nullable=True),
    sa.Column('justified_at', berjasa.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'], name=op.f('fk_sla_breaches_clock_id_clocks')),
    sa.ForeignKeyConstraint(['hospital_id'], ['parties.id'], name=op.f('fk_sla_breaches_hospital_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_breaches')),
    sa.UniqueConstraint('clock_id', name=op.f('uq_sla_breaches_clock_id'))
    )
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.create_index('ix_sla_breaches_breached', ['breached_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_breaches_hospital_id'), ['hospital_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_breaches_hospital_id'))
        batch_op.drop_index('ix_sla_breaches_breached')

    op.drop_table('sla_breaches')
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_clocks_open_due', postgresql_where=sa.text("state IN ('running', 'breached')"), sqlite_where=sa.text("state IN ('running', 'breached')"))
        batch_op.drop_index('ix_clocks_next_at', postgresql_where=sa.text('next_at IS NOT NULL'), sqlite_where=sa.text('next_at IS NOT NULL'))
        batch_op.drop_index('ix_clocks_hospital')

    op.drop_table('clocks')
    op.drop_table('calendar_overrides')
    op.drop_table('calendar_changes')
