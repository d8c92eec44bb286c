"""Committee administration, committee-scoped chairs, deputies, attendance, account tokens, settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounttoken',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('accounttoken', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounttoken_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounttoken_token_hash'), ['token_hash'], unique=True)

    op.create_table('importcolumnmapping',
    sa.Column('heading', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('field_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['saved_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('heading')
    )
    op.create_table('setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'person_id')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('deputy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('membership_id', 'person_id')
    )
    with op.batch_alter_table('deputy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deputy_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deputy_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('committee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False,
                                      server_default='primary care commissioning committee'))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))



def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('deactivated_at')

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('committee', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('kind')

    with op.batch_alter_table('deputy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deputy_person_id'))
        batch_op.drop_index(batch_op.f('ix_deputy_membership_id'))

    op.drop_table('deputy')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_id'))

    op.drop_table('attendance')
    op.drop_table('setting')
    op.drop_table('importcolumnmapping')
    with op.batch_alter_table('accounttoken', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounttoken_token_hash'))
        batch_op.drop_index(batch_op.f('ix_accounttoken_person_id'))

    op.drop_table('accounttoken')
