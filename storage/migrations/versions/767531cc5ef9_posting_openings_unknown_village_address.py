"""posting: openings may be unknown (若干); village and address as written

Revision ID: 767531cc5ef9
Revises: 7ef152f43044
Create Date: 2026-12-03 08:03:01.119849
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '767531cc5ef9'
down_revision = '7ef152f43044'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=128), nullable=False, server_default=''))
        batch_op.alter_column('openings', existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE posting SET openings = 1 WHERE openings IS NULL")
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.alter_column('openings', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('address')
        batch_op.drop_column('village')
