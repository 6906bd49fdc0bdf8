"""shelf_token: per-token counts of listed postings (PostgreSQL)

PostgreSQL only (SQLite's FTS5 counts a token's postings from its index alone): `shelf_token` holds how many listed
postings hold each search token, `shelf_token_change` the changes a trigger records and the fold adds up there
(storage/queries/token_counts.py); both filled from the current shelf, the trigger made (storage/shelf.py).
On SQLite this migration does nothing. (Autogenerate also proposed re-creating unnamed foreign keys of
person/posting and the count table's pay index from a model that lists fewer of its columns: left out, as nothing
about them changed here.)

Revision ID: 15287eb97038
Revises: c4e9a1d27f30
Create Date: 2026-12-03 22:17:48.202122
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.shelf import create_token_counts, drop_token_triggers

revision = '15287eb97038'
down_revision = 'c4e9a1d27f30'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.create_table('shelf_token',
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('postings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_shelf_token'))
    )
    op.create_table('shelf_token_change',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('document', postgresql.TSVECTOR(), nullable=False),
    sa.Column('change', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shelf_token_change'))
    )
    create_token_counts(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    drop_token_triggers(op.get_bind())
    op.drop_table('shelf_token_change')
    op.drop_table('shelf_token')
