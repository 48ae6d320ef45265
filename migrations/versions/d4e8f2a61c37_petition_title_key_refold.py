"""petitions' look-alike keys computed again: the fold now drops blank characters and folds Kazakh look-alike letters

Revision ID: d4e8f2a61c37
Revises: c3d9e4a7b215
Create Date: 2026-12-09 09:00:00

visible_text.look_alike_fold changed (issue 11, second round): it drops the characters that draw
nothing (U+FFFC, U+1D159...) and U+FFFD before folding, and folds hooked, tailed and stroked
Cyrillic letters onto the Kazakh or Russian letter a reader takes them for (ӄ → қ, ӊ → ң, ӻ → ғ...).
A key stored before would no longer meet the key of a new copy of the same title, so every
petition's key is computed again with the fold of the code that runs this migration. No schema
change; downgrading leaves the keys as they are (they are only a notice).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e8f2a61c37'
down_revision = 'c3d9e4a7b215'
branch_labels = None
depends_on = None


def upgrade():
    from kernel.visible_text import look_alike_key  # the same fold new titles get, so old and new petitions meet

    connection = op.get_bind()
    petition = sa.table('petition', sa.column('id', sa.Integer), sa.column('title', sa.String), sa.column('title_key', sa.String))
    for petition_id, title, stored in connection.execute(sa.select(petition.c.id, petition.c.title, petition.c.title_key)).all():
        key = look_alike_key(title)
        if key != stored:
            connection.execute(petition.update().where(petition.c.id == petition_id).values(title_key=key))


def downgrade():
    pass
