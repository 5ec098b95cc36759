"""users: what the account's Stripe Customer was last given (a digest), so that checkout
updates the Customer only when the email, name or default address changed;
checkout_sessions and orders: the language the shopper bought in, for the order's mails.

Revision ID: 20261204_polish
Revises: 20261204_journey
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_polish"
down_revision: str | None = "20261204_journey"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("stripe_customer_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.add_column(sa.Column("language", sa.String(length=10), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("language", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("stripe_customer_digest")
