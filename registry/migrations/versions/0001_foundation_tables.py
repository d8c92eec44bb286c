"""Foundation tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('committee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quorum_rule', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('area_codes', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ods_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('address_line1', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('address_line2', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('address_line3', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('address_line4', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('address_line5', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('open_date', sa.Date(), nullable=True),
    sa.Column('close_date', sa.Date(), nullable=True),
    sa.Column('prescribing_setting', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('pcn_id', sa.Integer(), nullable=True),
    sa.Column('commissioner_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['pcn_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_commissioner_id'), ['commissioner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_ods_code'), ['ods_code'], unique=True)
        batch_op.create_index(batch_op.f('ix_organisation_pcn_id'), ['pcn_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_postcode'), ['postcode'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decision_maker', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_email'), ['email'], unique=True)

    op.create_table('signinattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signinattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signinattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signinattempt_email_key'), ['email_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_signinattempt_ip'), ['ip'], unique=False)

    op.create_table('auditevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditevent_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_at'), ['at'], unique=False)

    op.create_table('interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('interest_type', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('organisation_text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('share_percent', sa.Float(), nullable=True),
    sa.Column('holder_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('declared_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('mitigation', sa.Text(), nullable=False),
    sa.Column('publish', sa.Boolean(), nullable=False),
    sa.Column('withheld_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_interest_person_dates', ['person_id', 'date_to'], unique=False)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('committee_role', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_person_id'), ['person_id'], unique=False)

    op.create_table('organisationname',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'name')
    )
    with op.batch_alter_table('organisationname', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisationname_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('rolegrant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'role')
    )
    with op.batch_alter_table('rolegrant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rolegrant_person_id'), ['person_id'], unique=False)

    op.create_table('usersession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usersession_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usersession_token_hash'), ['token_hash'], unique=True)

    op.create_table('votingorganisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('voting_group', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('committee_id', 'organisation_id')
    )
    with op.batch_alter_table('votingorganisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votingorganisation_committee_id'), ['committee_id'], unique=False)

    op.create_table('interesthistory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['interest_id'], ['interest.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('interest_id', 'version')
    )
    with op.batch_alter_table('interesthistory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interesthistory_interest_id'), ['interest_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('interesthistory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interesthistory_interest_id'))

    op.drop_table('interesthistory')
    with op.batch_alter_table('votingorganisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votingorganisation_committee_id'))

    op.drop_table('votingorganisation')
    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usersession_token_hash'))
        batch_op.drop_index(batch_op.f('ix_usersession_person_id'))

    op.drop_table('usersession')
    with op.batch_alter_table('rolegrant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rolegrant_person_id'))

    op.drop_table('rolegrant')
    with op.batch_alter_table('organisationname', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisationname_organisation_id'))

    op.drop_table('organisationname')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_person_id'))
        batch_op.drop_index(batch_op.f('ix_membership_committee_id'))

    op.drop_table('membership')
    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.drop_index('ix_interest_person_dates')
        batch_op.drop_index(batch_op.f('ix_interest_organisation_id'))

    op.drop_table('interest')
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_at'))
        batch_op.drop_index(batch_op.f('ix_auditevent_action'))

    op.drop_table('auditevent')
    with op.batch_alter_table('signinattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signinattempt_ip'))
        batch_op.drop_index(batch_op.f('ix_signinattempt_email_key'))
        batch_op.drop_index(batch_op.f('ix_signinattempt_at'))

    op.drop_table('signinattempt')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_email'))

    op.drop_table('person')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_postcode'))
        batch_op.drop_index(batch_op.f('ix_organisation_pcn_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_ods_code'))
        batch_op.drop_index(batch_op.f('ix_organisation_name'))
        batch_op.drop_index(batch_op.f('ix_organisation_kind'))
        batch_op.drop_index(batch_op.f('ix_organisation_commissioner_id'))

    op.drop_table('organisation')
    op.drop_table('committee')
