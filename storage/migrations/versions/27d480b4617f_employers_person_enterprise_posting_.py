"""employers: person bound to an enterprise, postings submitted for review, one-time binding codes, phone sharing

Revision ID: 27d480b4617f
Revises: 4ccdccd3e339
Create Date: 2026-12-03 10:31:58.492154
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models
from storage.shelf import create_shelf, drop_shelf

revision = '27d480b4617f'
down_revision = '4ccdccd3e339'
branch_labels = None
depends_on = None


def _add_reference(table: str, column: str, target: str, ondelete: str) -> None:
    """A nullable integer column referencing `target`.id. On SQLite `ALTER TABLE … ADD COLUMN … REFERENCES` keeps
    the table as it is (batch mode would rebuild it, dropping the triggers other features keep on it)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id) ON DELETE {ondelete}")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_{table}_{column}_{target}", table, target, [column], ["id"], ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        'employer_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('used_at', storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('used_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_employer_code_created_by_id_person'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'],
                                name=op.f('fk_employer_code_enterprise_id_enterprise'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['used_by_id'], ['person.id'], name=op.f('fk_employer_code_used_by_id_person'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_code')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_employer_code_code_hash')),
    )
    op.create_index(op.f('ix_employer_code_enterprise_id'), 'employer_code', ['enterprise_id'], unique=False)

    op.add_column('application', sa.Column('phone_shared_at', storage.models.UtcDateTime(timezone=True), nullable=True))

    _add_reference('person', 'enterprise_id', 'enterprise', 'SET NULL')
    op.create_index(op.f('ix_person_enterprise_id'), 'person', ['enterprise_id'], unique=False)

    _add_reference('posting', 'submitted_by_id', 'person', 'SET NULL')
    _add_reference('posting', 'reviewed_by_id', 'person', 'SET NULL')
    op.add_column('posting', sa.Column('submitted_at', storage.models.UtcDateTime(timezone=True), nullable=True))
    op.add_column('posting', sa.Column('reviewed_at', storage.models.UtcDateTime(timezone=True), nullable=True))
    op.add_column('posting', sa.Column('review_note', sa.Text(), server_default='', nullable=False))
    op.add_column('posting', sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
    op.create_index(op.f('ix_posting_submitted_by_id'), 'posting', ['submitted_by_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_posting_submitted_by_id'), table_name='posting')
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        drop_shelf(op.get_bind())  # the rebuild below drops posting's triggers; made again after it
    with op.batch_alter_table('posting', schema=None, recreate="always" if sqlite else "auto") as batch_op:
        if not sqlite:
            batch_op.drop_constraint('fk_posting_submitted_by_id_person', type_='foreignkey')
            batch_op.drop_constraint('fk_posting_reviewed_by_id_person', type_='foreignkey')
        for column in ('revision', 'review_note', 'reviewed_at', 'reviewed_by_id', 'submitted_at', 'submitted_by_id'):
            batch_op.drop_column(column)
    if sqlite:
        # The rebuild reflects no expression index: the one revision f918a70c2ca3 made is made again.
        op.execute("CREATE INDEX IF NOT EXISTS ix_posting_duplicates ON posting "
                   "(enterprise_id, title, coalesce(township, city))")
        create_shelf(op.get_bind())
    op.drop_index(op.f('ix_person_enterprise_id'), table_name='person')
    with op.batch_alter_table('person', schema=None, recreate="always" if sqlite else "auto") as batch_op:
        if not sqlite:
            batch_op.drop_constraint('fk_person_enterprise_id_enterprise', type_='foreignkey')
        batch_op.drop_column('enterprise_id')
    op.drop_column('application', 'phone_shared_at')
    op.drop_index(op.f('ix_employer_code_enterprise_id'), table_name='employer_code')
    op.drop_table('employer_code')
