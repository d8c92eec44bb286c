"""Gifts, returns, breaches, published snapshots

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('action_taken', sa.Text(), nullable=False),
    sa.Column('public_summary', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('declarationreturn',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('made_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('statement', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('declarationreturn', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declarationreturn_person_id'), ['person_id'], unique=False)

    op.create_table('giftorhospitality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('donor', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('donor_is_supplier', sa.Boolean(), nullable=False),
    sa.Column('cash_or_voucher', sa.Boolean(), nullable=False),
    sa.Column('value_pence', sa.Integer(), nullable=False),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('on_behalf_of_organisation', sa.Boolean(), nullable=False),
    sa.Column('senior_approval', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('declarable', sa.Boolean(), nullable=False),
    sa.Column('declared_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('giftorhospitality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_giftorhospitality_person_id'), ['person_id'], unique=False)

    op.create_table('registersnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('gifts', sa.JSON(), nullable=False),
    sa.Column('withheld_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registersnapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registersnapshot_published_at'), ['published_at'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=False)

    with op.batch_alter_table('registersnapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registersnapshot_published_at'))

    op.drop_table('registersnapshot')
    with op.batch_alter_table('giftorhospitality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_giftorhospitality_person_id'))

    op.drop_table('giftorhospitality')
    with op.batch_alter_table('declarationreturn', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declarationreturn_person_id'))

    op.drop_table('declarationreturn')
    op.drop_table('breach')
