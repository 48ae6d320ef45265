"""after the answer: measures, ratings, contested answers, follow-ups and reports

Revision ID: a9c4e1f07b52
Revises: e5f0a9c3d812
Create Date: 2026-12-04 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a9c4e1f07b52'
down_revision = 'e5f0a9c3d812'
branch_labels = None
depends_on = None



def upgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rating_closes_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('contested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('follow_up_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_official', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('follow_up_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('report_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('report_official', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_petition_contested_has_follow_up_due'), 'contested_at IS NULL OR follow_up_due_on IS NOT NULL'
        )

    op.create_table('petition_measure',
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=300), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_measure_petition_id_petition')),
    sa.PrimaryKeyConstraint('petition_id', 'number', name=op.f('pk_petition_measure'))
    )
    op.create_table('petition_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('rater_hash', sa.String(length=64), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receipt', sa.String(length=40), nullable=False),
    sa.Column('jws', sa.Text(), nullable=True),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_petition_rating_rating_range')),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_rating_petition_id_petition')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_rating')),
    sa.UniqueConstraint('petition_id', 'rater_hash', name='uq_petition_rating_one_per_citizen'),
    sa.UniqueConstraint('receipt', name=op.f('uq_petition_rating_receipt'))
    )
    with op.batch_alter_table('petition_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_rating_petition_id'), ['petition_id'], unique=False)


def downgrade():
    with op.batch_alter_table('petition_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_rating_petition_id'))
    op.drop_table('petition_rating')
    op.drop_table('petition_measure')
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_petition_contested_has_follow_up_due'), type_='check')
        for column in ('reported_at', 'report_official', 'report_text', 'follow_up_at', 'follow_up_official',
                       'follow_up_text', 'follow_up_due_on', 'contested_at', 'rating_closes_on', 'report_due_on'):
            batch_op.drop_column(column)
