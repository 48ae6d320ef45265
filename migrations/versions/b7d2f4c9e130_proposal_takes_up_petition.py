"""a budget proposal may take up a petition: budget_proposal.petition_id

Revision ID: b7d2f4c9e130
Revises: a9c4e1f07b52
Create Date: 2026-12-05 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b7d2f4c9e130'
down_revision = 'a9c4e1f07b52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('budget_proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('petition_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_budget_proposal_petition_id'), ['petition_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_budget_proposal_petition_id_petition'), 'petition', ['petition_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('budget_proposal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_budget_proposal_petition_id_petition'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_budget_proposal_petition_id'))
        batch_op.drop_column('petition_id')
