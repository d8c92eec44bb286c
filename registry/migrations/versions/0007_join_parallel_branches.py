"""Join the four migrations written in parallel from 0005 (minutes approval, outside records, second factor,
audit anchor): one head again.

Revision ID: 0007
Revises: 0006_minutes_approval, 0006_outside_records, 0006_second_factor, 0006_audit_anchor
Create Date: 2026-12-02
"""

revision = '0007'
down_revision = ('0006_minutes_approval', '0006_outside_records', '0006_second_factor', '0006_audit_anchor')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # each branch touches its own tables: nothing to reconcile


def downgrade() -> None:
    pass
