"""Audit events signed with a key outside the database; redactions from published snapshots

Revision ID: 0006_audit_anchor
Revises: 0005
Create Date: 2026-12-10
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_audit_anchor'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (not a batch copy of the table, which on SQLite would drop the append-only triggers).
    # Rows already written stay unsigned: the first signed row's hash covers them (registry.services.audit).
    op.add_column('auditevent', sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                          server_default=''))
    op.create_table('registerredaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('row_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('redacted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('redacted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['redacted_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registerredaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registerredaction_interest_id'), ['interest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registerredaction_row_key'), ['row_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registerredaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registerredaction_row_key'))
        batch_op.drop_index(batch_op.f('ix_registerredaction_interest_id'))
    op.drop_table('registerredaction')
    op.drop_column('auditevent', 'signature')
