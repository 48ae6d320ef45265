"""the public petition list's order as an index: petition (published_at, id) of the public states

The petition list (GET /petitions, /api/v1/petitions) shows public petitions newest first, 20 a page.
Without an index for that order each page read and sorted every public petition of the country's
history (a sequential scan, growing with it); with this partial index a page is the first rows of
one index range, read backwards (bench/growth.py measures both).

Revision ID: c6a1e9d3f250
Revises: c6e1a8f4d203
Create Date: 2026-12-06 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c6a1e9d3f250'
down_revision = 'c6e1a8f4d203'
branch_labels = None
depends_on = None

# petitions.queries.PUBLIC_STATES, as it was when this index was made (a migration keeps its own copy)
PUBLIC = sa.text("state IN ('open', 'under_review', 'answered', 'closed')")


def upgrade():
    op.create_index(
        'ix_petition_public_newest', 'petition', ['published_at', 'id'], unique=False,
        postgresql_where=PUBLIC, sqlite_where=PUBLIC,
    )


def downgrade():
    op.drop_index('ix_petition_public_newest', table_name='petition')
