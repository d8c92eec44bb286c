"""Second factor (TOTP) and recovery codes; sign-in throttles counted a row per key, not a row per attempt

Revision ID: 0006_second_factor
Revises: 0005
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_second_factor'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recoverycode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recoverycode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recoverycode_person_id'), ['person_id'], unique=False)

    op.create_table('secondfactor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_used_step', sa.BigInteger(), nullable=False, server_default='0'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('secondfactor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secondfactor_person_id'), ['person_id'], unique=True)

    op.create_table('signinthrottle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('window_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_failure_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('signinthrottle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signinthrottle_last_failure_at'), ['last_failure_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signinthrottle_person_id'), ['person_id'], unique=False)

    # Sign-in no longer locks an account (a stranger's failures could lock the member out): lift any lock left, and
    # drop the failed-attempt rows (failures are now counted in signinthrottle; successes stay, for familiar addresses).
    op.execute("UPDATE person SET locked_until = NULL")
    op.execute("DELETE FROM signinattempt WHERE succeeded = false")



def downgrade() -> None:
    with op.batch_alter_table('signinthrottle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signinthrottle_person_id'))
        batch_op.drop_index(batch_op.f('ix_signinthrottle_last_failure_at'))

    op.drop_table('signinthrottle')
    with op.batch_alter_table('secondfactor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secondfactor_person_id'))

    op.drop_table('secondfactor')
    with op.batch_alter_table('recoverycode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recoverycode_person_id'))

    op.drop_table('recoverycode')
