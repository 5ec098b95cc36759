"""Orders and fulfilment: confirmation stamp, order date index, unhandled-inbox index.

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_orders_created_at", "orders", ["created_at"], unique=False)
    op.create_index(
        "ix_webhook_events_handled_received",
        "webhook_events",
        ["handled_at", "received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_handled_received", table_name="webhook_events")
    op.drop_index("ix_orders_created_at", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("confirmation_sent_at")
