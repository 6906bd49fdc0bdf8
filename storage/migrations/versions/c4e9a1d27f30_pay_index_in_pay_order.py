"""PostgreSQL's pay index keyed in the full pay order

A question with words in pay order is read by walking the shelf's pay index from the top and checking each
posting's tokens (storage/queries/search.py `PayPart`): the index is keyed (monthly_pay, created_at, id), so a walk
reads postings in the order they are shown and stops after a page, where (monthly_pay, id) made PostgreSQL sort every
posting of a pay figure first. SQLite's pay indexes are already keyed so (nothing to do there).

Revision ID: c4e9a1d27f30
Revises: b81f0c2d5e17
Create Date: 2026-12-03 23:05:00
"""

from __future__ import annotations

from alembic import op

from storage.shelf import PG_PAY_INDEX, refresh_pay_index

revision = 'c4e9a1d27f30'
down_revision = 'b81f0c2d5e17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    refresh_pay_index(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_PAY_INDEX}")
        op.execute("CREATE INDEX IF NOT EXISTS ix_shelf_pay ON posting (monthly_pay, id) INCLUDE (job_category, "
                   "township, city, province, attribute_mask, age_min, age_max, deadline, created_at) WHERE listed")
