"""baskets: a guest's basket has no user, only the hash of its signed cookie's token;
checkout_sessions: a guest's checkout has no user until fulfilment finds or makes one.

Revision ID: 20261204_journey
Revises: 20261204_accounts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_journey"
down_revision: str | None = "20261204_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("baskets") as batch:
        batch.add_column(sa.Column("guest_key", sa.String(length=64), nullable=True))
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.create_unique_constraint(op.f("uq_baskets_guest_key"), ["guest_key"])
        batch.create_check_constraint(
            op.f("ck_baskets_one_owner"), "(user_id IS NULL) <> (guest_key IS NULL)"
        )


def downgrade() -> None:
    # Guests' baskets and checkouts have no owner to keep them under the old rule: they go.
    op.execute("DELETE FROM checkout_sessions WHERE user_id IS NULL")
    op.execute("DELETE FROM baskets WHERE user_id IS NULL")
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("baskets") as batch:
        batch.drop_constraint(op.f("ck_baskets_one_owner"), type_="check")
        batch.drop_constraint(op.f("uq_baskets_guest_key"), type_="unique")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("guest_key")
