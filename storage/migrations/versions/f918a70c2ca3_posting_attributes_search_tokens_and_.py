"""posting attributes, search tokens and the shelf; what workers want of pushed postings

Revision ID: f918a70c2ca3
Revises: 0703b3aef7a3
Create Date: 2026-12-03 09:39:08.231444
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.posting_index import reindex
from storage.shelf import create_shelf, drop_shelf

# What posting_index reads, as the posting table stands at this revision.
FIELDS = ("title", "description", "requirements", "benefits", "salary_text", "salary_unit", "salary_min", "salary_max",
          "seasonal", "job_category", "township", "village", "city", "province", "address", "age_min", "age_max",
          "enterprise_id")

revision = 'f918a70c2ca3'
down_revision = '0703b3aef7a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attribute_mask', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('monthly_pay', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('search_tokens', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('listed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_posting_listed_deadline', ['listed', 'deadline'], unique=False)
    with op.batch_alter_table('worker_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wanted_attributes', sa.JSON(), server_default='[]', nullable=False))
    op.create_index('ix_posting_duplicates', 'posting', ['enterprise_id', 'title', sa.text('coalesce(township, city)')])
    # Postings already on the shelf are read as new ones are (from the columns this schema has), then listed
    # and indexed.
    reindex(op.get_bind(), fields=FIELDS)
    create_shelf(op.get_bind())


def downgrade() -> None:
    drop_shelf(op.get_bind())
    with op.batch_alter_table('worker_profile', schema=None) as batch_op:
        batch_op.drop_column('wanted_attributes')
    op.drop_index('ix_posting_duplicates', table_name='posting')
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.drop_index('ix_posting_listed_deadline')
        batch_op.drop_column('listed')
        batch_op.drop_column('search_tokens')
        batch_op.drop_column('monthly_pay')
        batch_op.drop_column('attribute_mask')
