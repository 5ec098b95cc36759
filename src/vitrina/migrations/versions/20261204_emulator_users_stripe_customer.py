"""users: the Stripe Customer each account pays as (`users.stripe_customer_id`).

Created lazily at the account's first checkout and reused for every later one, so that Stripe
groups a customer's payments. Unique: one Customer belongs to one account.

Revision ID: 20261204_emulator
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_emulator"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("stripe_customer_id", sa.String(length=255), nullable=True))
        batch.create_unique_constraint("uq_users_stripe_customer_id", ["stripe_customer_id"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_stripe_customer_id", type_="unique")
        batch.drop_column("stripe_customer_id")
