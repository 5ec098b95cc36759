"""Tax rates per country (and region) and tax class; products' tax class; the tax an order
paid, per line and per rate.

Revision ID: 20261205_commerce_taxes
Revises: 20261205_commerce_shipping
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261205_commerce_taxes"
down_revision: str | None = "20261205_commerce_shipping"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=True),
        sa.Column("tax_class", sa.String(length=30), nullable=False),
        sa.Column("percentage", sa.Numeric(7, 4), nullable=False),
        sa.Column("display_name", sa.String(length=50), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("stripe_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_signature", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "percentage >= 0 AND percentage < 100",
            name=op.f("ck_tax_rates_percentage_in_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
    )
    op.create_index(op.f("ix_tax_rates_country"), "tax_rates", ["country"], unique=False)
    with op.batch_alter_table("products") as batch:
        batch.add_column(
            sa.Column("tax_class", sa.String(length=30), server_default="standard", nullable=False)
        )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("tax", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("tax_breakdown", JSON, nullable=True))
    with op.batch_alter_table("order_items") as batch:
        batch.add_column(sa.Column("tax_amount", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("order_items") as batch:
        batch.drop_column("tax_amount")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("tax_breakdown")
        batch.drop_column("tax")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("tax_class")
    op.drop_index(op.f("ix_tax_rates_country"), table_name="tax_rates")
    op.drop_table("tax_rates")
