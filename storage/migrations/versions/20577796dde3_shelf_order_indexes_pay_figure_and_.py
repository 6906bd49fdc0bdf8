"""shelf order indexes: pay figure and created_at

Searches ordered by pay ("工资高点的", and relevance, which reads the better-paid first) sort by the pay figure,
then created_at: SQLite gets a narrow covering index for those look-ups, PostgreSQL's facet indexes hold created_at
too (rebuilt), so both stay index-only (storage/shelf.py, storage/queries/search.py).

Revision ID: 20577796dde3
Revises: 93523e16b09c
Create Date: 2026-12-03 15:44:19.224674
"""

from __future__ import annotations

from alembic import op

from storage.shelf import SQLITE_PAY_ORDER_INDEX, refresh_order_indexes

revision = '20577796dde3'
down_revision = '93523e16b09c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    refresh_order_indexes(op.get_bind())


def downgrade() -> None:
    # PostgreSQL's facet indexes keep created_at (harmless to the code before this revision)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX IF EXISTS {SQLITE_PAY_ORDER_INDEX}")
