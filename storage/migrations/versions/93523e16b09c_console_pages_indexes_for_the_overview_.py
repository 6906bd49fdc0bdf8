"""console pages: indexes for the overview counts; the name search index

Revision ID: 93523e16b09c
Revises: 49652d4582c0
Create Date: 2026-12-03 15:15:02.205691

No table is rebuilt (so no trigger of storage/shelf.py is touched). Indexes: the follow-up due index also holds
the secretary, a second one reads done follow-ups by completion time, placements are read by status and time, and
returnee origins from their own index. Two tables and triggers on person: the pieces of people's names for the
console's name search (storage/name_index.py), filled for the people already there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.name_index import create_name_index, drop_name_index

revision = '93523e16b09c'
down_revision = '49652d4582c0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_follow_up_due', table_name='follow_up')
    op.create_index('ix_follow_up_due', 'follow_up', ['state', 'due_at', 'secretary_id'])
    op.create_index('ix_follow_up_done', 'follow_up', ['state', 'completed_at', 'secretary_id'])
    op.create_index('ix_status_change_new_status_at', 'status_change', ['new_status', 'created_at'])
    op.create_index('ix_worker_profile_returnee_origin', 'worker_profile', ['returnee_origin'])
    op.create_table(
        'name_gram_offset',
        sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('width', sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('position', 'width', name=op.f('pk_name_gram_offset')),
    )
    op.create_table(
        'person_name_gram',
        sa.Column('gram', sa.String(length=2), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_name_gram_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('gram', 'person_id', name=op.f('pk_person_name_gram')),
    )
    op.create_index(op.f('ix_person_name_gram_person_id'), 'person_name_gram', ['person_id'])
    create_name_index(op.get_bind())


def downgrade() -> None:
    drop_name_index(op.get_bind())
    op.drop_index(op.f('ix_person_name_gram_person_id'), table_name='person_name_gram')
    op.drop_table('person_name_gram')
    op.drop_table('name_gram_offset')
    op.drop_index('ix_worker_profile_returnee_origin', table_name='worker_profile')
    op.drop_index('ix_status_change_new_status_at', table_name='status_change')
    op.drop_index('ix_follow_up_done', table_name='follow_up')
    op.drop_index('ix_follow_up_due', table_name='follow_up')
    op.create_index('ix_follow_up_due', 'follow_up', ['state', 'due_at'])
