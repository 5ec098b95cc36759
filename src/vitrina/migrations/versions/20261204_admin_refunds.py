"""orders: refund requests with their lines; a sold product can no longer be deleted.

`order_refunds` records each refund staff ask for before Stripe is called (its unique token
gives the Stripe idempotency key); `order_refund_lines` says which order lines and how many.
`order_items.product_id` becomes ON DELETE RESTRICT: the database itself keeps sold products,
so the catalog needs no look into orders to refuse deleting one.

Revision ID: 20261204_admin
Revises: 20261204_catalog_i18n
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_admin"
down_revision: str | None = "20261204_catalog_i18n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRODUCT_FK = "fk_order_items_product_id_products"


def _product_fk(ondelete: str) -> None:
    with op.batch_alter_table("order_items") as batch:
        batch.drop_constraint(PRODUCT_FK, type_="foreignkey")
        batch.create_foreign_key(PRODUCT_FK, "products", ["product_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "order_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="refundstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("stripe_refund_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_order_refunds_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_refunds_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refunds")),
        sa.UniqueConstraint("token", name=op.f("uq_order_refunds_token")),
    )
    op.create_index(op.f("ix_order_refunds_order_id"), "order_refunds", ["order_id"], unique=False)
    op.create_table(
        "order_refund_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_items.id"],
            name=op.f("fk_order_refund_lines_order_item_id_order_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["order_refunds.id"],
            name=op.f("fk_order_refund_lines_refund_id_order_refunds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refund_lines")),
    )
    op.create_index(
        op.f("ix_order_refund_lines_order_item_id"), "order_refund_lines", ["order_item_id"]
    )
    op.create_index(op.f("ix_order_refund_lines_refund_id"), "order_refund_lines", ["refund_id"])
    _product_fk("RESTRICT")


def downgrade() -> None:
    _product_fk("SET NULL")
    op.drop_index(op.f("ix_order_refund_lines_refund_id"), table_name="order_refund_lines")
    op.drop_index(op.f("ix_order_refund_lines_order_item_id"), table_name="order_refund_lines")
    op.drop_table("order_refund_lines")
    op.drop_index(op.f("ix_order_refunds_order_id"), table_name="order_refunds")
    op.drop_table("order_refunds")
