"""shelf pay walk indexes and the count table's pay index

A question without words, read in pay order, takes its page from a covering index in that order (by category, or
over the whole shelf) for exactly the pay figures the count table says the page holds (storage/shelf.py
SQLITE_PAY_WALKS, storage/queries/search.py `by_pay_figure`); PostgreSQL gets the category's pay index
(PG_PAY_CATEGORY; its pay-led facet index serves the rest). The count table's groups summed per pay figure come from
a covering index in that order (ix_shelf_count_pay).

Revision ID: b81f0c2d5e17
Revises: 7e47accd925a
Create Date: 2026-12-03 19:05:00
"""

from __future__ import annotations

from alembic import op

from storage.shelf import (
    PG_PAY_CATEGORY_INDEX,
    SQLITE_PAY_CATEGORY_INDEX,
    SQLITE_PAY_WALK_INDEX,
    create_pay_walks,
)

revision = 'b81f0c2d5e17'
down_revision = '7e47accd925a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_pay_walks(op.get_bind())
    op.create_index("ix_shelf_count_pay", "shelf_count", ["monthly_pay", "job_category", "township", "city", "province",
                                                          "attribute_mask", "age_min", "age_max", "postings"])


def downgrade() -> None:
    op.drop_index("ix_shelf_count_pay", table_name="shelf_count")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in (SQLITE_PAY_CATEGORY_INDEX, SQLITE_PAY_WALK_INDEX) if sqlite else (PG_PAY_CATEGORY_INDEX,):
        op.execute(f"DROP INDEX IF EXISTS {name}")
