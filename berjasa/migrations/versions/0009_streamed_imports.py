"""imports kept in pieces and read as a stream; batches have a kind and a reading position

Revision ID: 0009
Revises: 0008

An upload is stored in pieces of about 1 MiB (import_pieces) instead of one blob in
import_batches.content; the keys a batch has read (import_keys) replace a set held in memory;
lines_read is where a resumed run starts reading; runner names the run that holds the batch. A batch that still had its content is moved
into pieces; if it had started, it starts again from its first line (its rows are written
already, so they count as unchanged: importing is idempotent).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PIECE = 1 << 20


def upgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), server_default='dtsen', nullable=False))
        batch_op.add_column(sa.Column('lines_read', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('runner', sa.String(length=32), nullable=True))
    op.create_table('import_pieces',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_import_pieces_batch_id_import_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'seq', name=op.f('pk_import_pieces'))
    )
    op.create_table('import_keys',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', 'key', name=op.f('pk_import_keys')),
    sqlite_with_rowid=False,
    )
    _move_contents_into_pieces()
    # Native DROP COLUMN (SQLite 3.35+): batch mode would copy the table, and dropping the old copy fails on
    # the enrolments that point at it while foreign keys are on.
    op.execute('ALTER TABLE import_batches DROP COLUMN content')


def _move_contents_into_pieces() -> None:
    bind = op.get_bind()
    batches = sa.table('import_batches', sa.column('id', sa.Integer), sa.column('content', sa.LargeBinary),
                       sa.column('status', sa.String), sa.column('done', sa.Integer),
                       sa.column('created', sa.Integer), sa.column('updated', sa.Integer),
                       sa.column('unchanged', sa.Integer), sa.column('rejected', sa.Integer))
    pieces = sa.table('import_pieces', sa.column('batch_id', sa.Integer), sa.column('seq', sa.Integer),
                      sa.column('data', sa.LargeBinary))
    errors = sa.table('import_row_errors', sa.column('batch_id', sa.Integer))
    ids = list(bind.scalars(sa.select(batches.c.id).where(batches.c.content.is_not(None))))
    for batch_id in ids:
        content = bind.scalar(sa.select(batches.c.content).where(batches.c.id == batch_id))
        start, seq = 0, 0
        while start < len(content):
            cut = content.rfind(b'\n', start, start + PIECE) + 1
            end = cut if cut > start and start + PIECE < len(content) else min(start + PIECE, len(content))
            bind.execute(sa.insert(pieces).values(batch_id=batch_id, seq=seq, data=content[start:end]))
            start, seq = end, seq + 1
        bind.execute(sa.delete(errors).where(errors.c.batch_id == batch_id))
        bind.execute(sa.update(batches).where(batches.c.id == batch_id).values(
            content=None, done=0, created=0, updated=0, unchanged=0, rejected=0))


def downgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    batches = sa.table('import_batches', sa.column('id', sa.Integer), sa.column('content', sa.LargeBinary))
    pieces = sa.table('import_pieces', sa.column('batch_id', sa.Integer), sa.column('seq', sa.Integer),
                      sa.column('data', sa.LargeBinary))
    for batch_id in list(bind.scalars(sa.select(pieces.c.batch_id).distinct())):
        data = bind.scalars(sa.select(pieces.c.data).where(pieces.c.batch_id == batch_id).order_by(pieces.c.seq))
        bind.execute(sa.update(batches).where(batches.c.id == batch_id).values(content=b''.join(data)))
    op.drop_table('import_keys')
    op.drop_table('import_pieces')
    op.execute('ALTER TABLE import_batches DROP COLUMN runner')
    op.execute('ALTER TABLE import_batches DROP COLUMN lines_read')
    op.execute('ALTER TABLE import_batches DROP COLUMN kind')
