"""outside records: award audit runs and results, possible undeclared interests

Revision ID: 0006_outside_records
Revises: 0005
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_outside_records'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('awardauditrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('awards_read', sa.Integer(), nullable=False),
    sa.Column('releases_skipped', sa.Integer(), nullable=False),
    sa.Column('conflicted_awards', sa.Integer(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('personbirthmonth',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('birth_month', sa.Integer(), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('possibleundeclaredinterest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('company_number', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('company_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('appointed_on', sa.Date(), nullable=True),
    sa.Column('resigned_on', sa.Date(), nullable=True),
    sa.Column('officer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('officer_birth_month', sa.Integer(), nullable=True),
    sa.Column('officer_birth_year', sa.Integer(), nullable=True),
    sa.Column('confidence', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('found_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('found_by_id', sa.Integer(), nullable=True),
    sa.Column('responded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['found_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['responded_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fingerprint')
    )
    with op.batch_alter_table('possibleundeclaredinterest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_possibleundeclaredinterest_person_id'), ['person_id'], unique=False)

    op.create_table('awardauditresult',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('ocid', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('award_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('award_date', sa.Date(), nullable=False),
    sa.Column('supplier', sa.Text(), nullable=False),
    sa.Column('company_numbers', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('value_pence', sa.BigInteger(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('buyer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['awardauditrun.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('awardauditresult', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awardauditresult_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('awardauditresult', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awardauditresult_run_id'))

    op.drop_table('awardauditresult')
    with op.batch_alter_table('possibleundeclaredinterest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_possibleundeclaredinterest_person_id'))

    op.drop_table('possibleundeclaredinterest')
    op.drop_table('personbirthmonth')
    op.drop_table('awardauditrun')
