"""public log: entries, stored perfect subtrees, the integrator's lock row, signed heads

Revision ID: e5f0a9c3d812
Revises: d4e8f2a61c37
Create Date: 2026-12-20 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f0a9c3d812'
down_revision = 'd4e8f2a61c37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('log_entry',
    # SQLite autoincrements only an INTEGER PRIMARY KEY (its 64-bit rowid)
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('idx', sa.BigInteger(), nullable=True),
    sa.Column('entry', sa.Text(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('receipt_hash', sa.String(length=71), nullable=True),
    sa.Column('commitment', sa.String(length=71), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_entry')),
    sa.UniqueConstraint('idx', name=op.f('uq_log_entry_idx'))
    )
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_entry_commitment'), ['commitment'], unique=False)
        batch_op.create_index(batch_op.f('ix_log_entry_receipt_hash'), ['receipt_hash'], unique=False)
        batch_op.create_index('ix_log_entry_pending', ['id'], unique=False,
                              postgresql_where=sa.text('idx IS NULL'), sqlite_where=sa.text('idx IS NULL'))

    op.create_table('log_node',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_log_node'))
    )
    op.create_table('log_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_state'))
    )
    op.create_table('log_head',
    sa.Column('tree_size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('jws', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('tree_size', name=op.f('pk_log_head'))
    )
    # The integrator's lock row: the empty tree.
    op.execute("INSERT INTO log_state (id, tree_size) VALUES (1, 0)")


def downgrade():
    op.drop_table('log_head')
    op.drop_table('log_state')
    op.drop_table('log_node')
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_log_entry_pending', postgresql_where=sa.text('idx IS NULL'),
                            sqlite_where=sa.text('idx IS NULL'))
        batch_op.drop_index(batch_op.f('ix_log_entry_receipt_hash'))
        batch_op.drop_index(batch_op.f('ix_log_entry_commitment'))

    op.drop_table('log_entry')
