"""follow a petition without signing it; how each person hears of each group of events

petition_follower (petition, user, since); notification_setting (user, audience, channel);
notification.audience: why the user hears of the item.

Revision ID: c6e1a8f4d203
Revises: b7d2f4c9e130
Create Date: 2026-12-06 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6e1a8f4d203'
down_revision = 'b7d2f4c9e130'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('petition_follower',
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_follower_petition_id_petition')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_petition_follower_user_id_user_account')),
    sa.PrimaryKeyConstraint('petition_id', 'user_id', name=op.f('pk_petition_follower'))
    )
    op.create_table('notification_setting',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.CheckConstraint("channel IN ('email','inbox','off')", name=op.f('ck_notification_setting_channel')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_setting_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', 'audience', name=op.f('pk_notification_setting'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('audience')
    op.drop_table('notification_setting')
    op.drop_table('petition_follower')
