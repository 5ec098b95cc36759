"""Shipping zones and methods; products' weight and the countries they ship to; the shipping
offered at checkout and the one chosen on the order.

Revision ID: 20261205_commerce_shipping
Revises: 20261205_variants
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261205_commerce_shipping"
down_revision: str | None = "20261205_variants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "shipping_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("countries", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_zones")),
    )
    op.create_table(
        "shipping_methods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("weight_tiers", JSON, nullable=True),
        sa.Column("free_over", sa.Integer(), nullable=True),
        sa.Column("min_days", sa.Integer(), nullable=True),
        sa.Column("max_days", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_shipping_methods_amount_not_negative")),
        sa.CheckConstraint(
            "free_over IS NULL OR free_over >= 0",
            name=op.f("ck_shipping_methods_free_over_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["shipping_zones.id"],
            name=op.f("fk_shipping_methods_zone_id_shipping_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_methods")),
    )
    op.create_index(
        op.f("ix_shipping_methods_zone_id"), "shipping_methods", ["zone_id"], unique=False
    )
    with op.batch_alter_table("products") as batch:
        batch.add_column(
            sa.Column("weight_grams", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("ships_to", sa.String(length=300), nullable=True))
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.add_column(sa.Column("shipping_country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("shipping_options", JSON, nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("shipping_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("shipping_rate_id", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("shipping_rate_id")
        batch.drop_column("shipping_name")
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.drop_column("shipping_options")
        batch.drop_column("shipping_country")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("ships_to")
        batch.drop_column("weight_grams")
    op.drop_index(op.f("ix_shipping_methods_zone_id"), table_name="shipping_methods")
    op.drop_table("shipping_methods")
    op.drop_table("shipping_zones")
