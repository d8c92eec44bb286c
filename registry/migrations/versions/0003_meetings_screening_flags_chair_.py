"""Meetings, screening flags, chair decisions, outcomes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('screened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_meeting_date'), ['meeting_date'], unique=False)

    op.create_table('meetingitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_ref', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('contract_decision', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meetingitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetingitem_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meetingnotice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('seen', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meetingnotice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetingnotice_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('chairdecision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('flag_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['meetingitem.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('chairdecision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chairdecision_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chairdecision_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chairdecision_person_id'), ['person_id'], unique=False)

    op.create_table('meetingoutcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('declared', sa.Boolean(), nullable=False),
    sa.Column('what_happened', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('breach_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['breach_id'], ['breach.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['meetingitem.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'person_id')
    )
    with op.batch_alter_table('meetingoutcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetingoutcome_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('screeningflag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('interest_ids', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('first_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['meetingitem.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'person_id')
    )
    with op.batch_alter_table('screeningflag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screeningflag_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screeningflag_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screeningflag_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('icb', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('icb')
        batch_op.drop_column('region')

    with op.batch_alter_table('screeningflag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screeningflag_person_id'))
        batch_op.drop_index(batch_op.f('ix_screeningflag_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_screeningflag_item_id'))

    op.drop_table('screeningflag')
    with op.batch_alter_table('meetingoutcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetingoutcome_meeting_id'))

    op.drop_table('meetingoutcome')
    with op.batch_alter_table('chairdecision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chairdecision_person_id'))
        batch_op.drop_index(batch_op.f('ix_chairdecision_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_chairdecision_item_id'))

    op.drop_table('chairdecision')
    with op.batch_alter_table('meetingnotice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetingnotice_meeting_id'))

    op.drop_table('meetingnotice')
    with op.batch_alter_table('meetingitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetingitem_meeting_id'))

    op.drop_table('meetingitem')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_meeting_date'))
        batch_op.drop_index(batch_op.f('ix_meeting_committee_id'))

    op.drop_table('meeting')
