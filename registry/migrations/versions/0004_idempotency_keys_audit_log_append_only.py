"""Idempotency keys; audit log append-only

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idempotencykey',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('idempotencykey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotencykey_created_at'), ['created_at'], unique=False)

    # The audit log is append-only: the database itself refuses to change or remove a row.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER auditevent_no_{verb.lower()} BEFORE {verb} ON auditevent "
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    else:
        op.execute("CREATE FUNCTION auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$")
        op.execute("CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON auditevent "
                   "FOR EACH STATEMENT EXECUTE FUNCTION auditevent_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER auditevent_no_update")
        op.execute("DROP TRIGGER auditevent_no_delete")
    else:
        op.execute("DROP TRIGGER auditevent_append_only ON auditevent")
        op.execute("DROP FUNCTION auditevent_append_only()")
    with op.batch_alter_table('idempotencykey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotencykey_created_at'))

    op.drop_table('idempotencykey')
