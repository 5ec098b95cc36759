"""coupons: a deleted coupon's code can be used again.

The unique index on lower(number) now covers live coupons only (a partial index, on
PostgreSQL and SQLite alike); deleted rows keep their code for order history.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_discount_coupons_number_lower"
LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.drop_index(INDEX, table_name="discount_coupons")
    op.create_index(
        INDEX,
        "discount_coupons",
        [sa.literal_column("lower(number)")],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    # Fails if a deleted coupon shares its code with another coupon: the old rule forbade it.
    op.drop_index(INDEX, table_name="discount_coupons")
    op.create_index(INDEX, "discount_coupons", [sa.literal_column("lower(number)")], unique=True)
