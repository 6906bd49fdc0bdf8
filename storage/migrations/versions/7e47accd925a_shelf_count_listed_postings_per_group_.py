"""shelf_count: listed postings per group of search filters

The shelf's triggers are made again to keep the counts (storage/shelf.py); the table is filled from the listed
postings. (Autogenerate also proposed re-creating the foreign keys of person/posting that SQLite's ADD COLUMN left
unnamed: left out, as nothing about them changed.)

Revision ID: 7e47accd925a
Revises: 20577796dde3
Create Date: 2026-12-03 15:13:49.228815
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.columns
from storage.shelf import create_shelf, drop_shelf


revision = '7e47accd925a'
down_revision = '20577796dde3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shelf_count',
    sa.Column('job_category', storage.columns.BoundedString(length=32), nullable=False),
    sa.Column('township', storage.columns.BoundedString(length=32), nullable=False),
    sa.Column('city', storage.columns.BoundedString(length=32), nullable=False),
    sa.Column('province', storage.columns.BoundedString(length=16), nullable=False),
    sa.Column('attribute_mask', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('monthly_pay', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('age_min', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('age_max', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('postings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('job_category', 'township', 'city', 'province', 'attribute_mask', 'monthly_pay',
                            'age_min', 'age_max', name=op.f('pk_shelf_count'))
    )
    # the triggers made again, now keeping the counts too; the counts filled from the listed postings
    drop_shelf(op.get_bind())
    create_shelf(op.get_bind())


def downgrade() -> None:
    drop_shelf(op.get_bind())
    op.drop_table('shelf_count')
    create_shelf(op.get_bind())  # the triggers as they were, without counts
