"""The currencies a store sells in besides its default (rate, rounding), and variant prices
set by hand per currency.

Revision ID: 20261205_currencies_1
Revises: 20261205_commerce_taxes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_currencies_1"
down_revision: str | None = "20261205_variant_csv_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_currencies",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("rounding", sa.String(length=30), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate > 0", name=op.f("ck_store_currencies_rate_positive")),
        sa.CheckConstraint("code = lower(code)", name=op.f("ck_store_currencies_code_lower_case")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_store_currencies")),
    )
    op.create_table(
        "variant_prices",
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_variant_prices_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["product_variants.id"],
            name=op.f("fk_variant_prices_variant_id_product_variants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("variant_id", "currency", name=op.f("pk_variant_prices")),
    )


def downgrade() -> None:
    op.drop_table("variant_prices")
    op.drop_table("store_currencies")
