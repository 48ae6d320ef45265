"""role grants name the body a reviewer serves; petitions carry the look-alike key of their title

Revision ID: c3d9e4a7b215
Revises: 0eebaa454e02
Create Date: 2026-12-02 09:00:00

A reviewer's grant was a territory alone, so a region's akimat reviewer passed for its maslikhat's.
Grants now carry the body (`role_grant.body`). What happens to rows made before:

- a reviewer with a KATO scope and no body serves nothing until granted again with
  `roles grant --scope KATO --body ADDRESSEE`: which of the two bodies of a region or city
  they served cannot be read from the row, and guessing could give someone a body they never had;
- an unscoped reviewer, officer or secretary (once a wildcard over every body or district), and
  a moderator or admin granted with a scope (once a national grant in disguise), serve nothing
  until granted in the right shape;
- every other row (Government reviewers, scoped officers and secretaries, unscoped moderators and
  admins) serves exactly what it served before.

No grant gains a right. The counts of rows left serving nothing are logged (no person is named).
"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3d9e4a7b215'
down_revision = '0eebaa454e02'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

LOCAL_BODIES = "'region_akimat','region_maslikhat','city_akimat','city_maslikhat'"
# Rows of a shape no role takes any more (auth.models.grant_is_well_formed, at this revision).
UNSERVING = """
    (role = 'reviewer' AND scope IS NULL)
    OR (role = 'reviewer' AND scope <> 'government' AND body IS NULL)
    OR (role IN ('budget_officer', 'secretary') AND scope IS NULL)
    OR (role IN ('moderator', 'admin') AND scope IS NOT NULL)
"""


def upgrade():
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.String(length=20), nullable=True))
        batch_op.drop_constraint('uq_role_grant_iin_role_scope', type_='unique')
        batch_op.create_unique_constraint('uq_role_grant_iin_role_scope_body', ['iin', 'role', 'scope', 'body'])
        batch_op.create_check_constraint(op.f('ck_role_grant_body'), f"body IS NULL OR body IN ({LOCAL_BODIES})")

    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_petition_title_key'), ['title_key'], unique=False)

    connection = op.get_bind()
    from kernel.visible_text import look_alike_key  # the same fold new titles get, so old and new petitions meet

    petition = sa.table('petition', sa.column('id', sa.Integer), sa.column('title', sa.String), sa.column('title_key', sa.String))
    rows = connection.execute(sa.select(petition.c.id, petition.c.title)).all()
    for petition_id, title in rows:
        connection.execute(
            petition.update().where(petition.c.id == petition_id).values(title_key=look_alike_key(title))
        )

    stale = connection.execute(
        sa.text(f"SELECT role, count(*) FROM role_grant WHERE {UNSERVING} GROUP BY role ORDER BY role")
    ).all()
    for role, count in stale:
        log.warning("%d %s grant(s) serve nothing until granted again in the shape `roles grant` now asks", count, role)


def downgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_title_key'))
        batch_op.drop_column('title_key')

    # Two grants that differ only by body would collide under the old key: keep the older one.
    op.execute(
        "DELETE FROM role_grant WHERE id NOT IN (SELECT min(id) FROM role_grant GROUP BY iin, role, scope)"
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_grant_body'), type_='check')
        batch_op.drop_constraint('uq_role_grant_iin_role_scope_body', type_='unique')
        batch_op.create_unique_constraint('uq_role_grant_iin_role_scope', ['iin', 'role', 'scope'])
        batch_op.drop_column('body')
