"""Product variants: options (Size, Colour) with ordered values, and variants (one per
combination sold) with their own SKU, price, stock, weight and image. Every existing
product gets one variant whose id is the product's (one INSERT ... SELECT; on PostgreSQL
the constraints are added after the rows, so the checks run once over the table rather than
row by row); basket lines, reservations and order lines name the variant.

`products` keeps its columns as the variants' summary (`price`: the lowest price,
`price_max`: the highest where it differs, `stock`: the sum), so downgrading has nothing to
fold back but basket lines of one product's several variants, which become one line.

Revision ID: 20261205_variants
Revises: 20261204_polish
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vitrina.db import UTCDateTime

revision: str = "20261205_variants"
down_revision: str | None = "20261204_polish"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_VARIANTS = """
INSERT INTO product_variants (
    id, product_id, combination, sku, price, stock, is_active, position,
    stripe_price_id, stripe_price_amount, created_at, updated_at
)
SELECT id, id, '', sku, price, stock, {true}, 0,
       stripe_price_id, stripe_price_amount, created_at, updated_at
FROM products
"""


def _options() -> None:
    op.create_table(
        "product_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column("name_ru", sa.String(length=100), nullable=True),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_options_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_options")),
        sa.UniqueConstraint("product_id", "slug", name=op.f("uq_product_options_product_id_slug")),
    )
    op.create_table(
        "product_option_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("value_en", sa.String(length=100), nullable=True),
        sa.Column("value_ru", sa.String(length=100), nullable=True),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["product_options.id"],
            name=op.f("fk_product_option_values_option_id_product_options"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_option_values")),
        sa.UniqueConstraint(
            "option_id", "slug", name=op.f("uq_product_option_values_option_id_slug")
        ),
    )


def _variant_columns() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("combination", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=True),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("compare_at_price", sa.Integer(), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("weight_grams", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("stripe_price_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_price_amount", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price >= 0", name=op.f("ck_product_variants_price_not_negative")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_product_variants_stock_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_variants")),
    ]


def _variant_constraints() -> list[sa.schema.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["product_images.id"],
            name=op.f("fk_product_variants_image_id_product_images"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_variants_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "product_id", "combination", name=op.f("uq_product_variants_product_id_combination")
        ),
        sa.UniqueConstraint("sku", name=op.f("uq_product_variants_sku")),
    ]


def _variants_postgresql() -> None:
    """Rows first, then the checks: one index build and one foreign-key scan each."""
    op.create_table("product_variants", *_variant_columns())
    op.execute(DEFAULT_VARIANTS.format(true="true"))
    op.execute(
        "SELECT setval(pg_get_serial_sequence('product_variants', 'id'), "
        "(SELECT coalesce(max(id), 0) + 1 FROM product_variants), false)"
    )
    op.create_unique_constraint(
        op.f("uq_product_variants_product_id_combination"),
        "product_variants",
        ["product_id", "combination"],
    )
    op.create_unique_constraint(op.f("uq_product_variants_sku"), "product_variants", ["sku"])
    op.create_foreign_key(
        op.f("fk_product_variants_product_id_products"),
        "product_variants",
        "products",
        ["product_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        op.f("fk_product_variants_image_id_product_images"),
        "product_variants",
        "product_images",
        ["image_id"],
        ["id"],
        ondelete="SET NULL",
    )


def _variants_sqlite() -> None:
    op.create_table("product_variants", *_variant_columns(), *_variant_constraints())
    op.execute(DEFAULT_VARIANTS.format(true="1"))


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("price_max", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("has_options", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _options()
    if op.get_bind().dialect.name == "postgresql":
        _variants_postgresql()
    else:
        _variants_sqlite()
    op.create_table(
        "variant_option_values",
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("value_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["value_id"],
            ["product_option_values.id"],
            name=op.f("fk_variant_option_values_value_id_product_option_values"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["product_variants.id"],
            name=op.f("fk_variant_option_values_variant_id_product_variants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("variant_id", "value_id", name=op.f("pk_variant_option_values")),
    )
    op.create_index(
        op.f("ix_variant_option_values_value_id"), "variant_option_values", ["value_id"]
    )
    _lines_name_variants()


def _lines_name_variants() -> None:
    """Basket lines and reservations are of the product's one variant (same id); so are the
    order lines sold so far."""
    for table in ("basket_items", "stock_reservations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
    op.execute("UPDATE basket_items SET variant_id = product_id")
    op.execute("UPDATE stock_reservations SET variant_id = product_id")
    with op.batch_alter_table("basket_items") as batch:
        batch.alter_column("variant_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_index("uq_basket_items_basket_product")
        batch.create_index(op.f("ix_basket_items_variant_id"), ["variant_id"])
        batch.create_index(
            "uq_basket_items_basket_variant", ["basket_id", "variant_id"], unique=True
        )
        batch.create_foreign_key(
            op.f("fk_basket_items_variant_id_product_variants"),
            "product_variants",
            ["variant_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("stock_reservations") as batch:
        batch.alter_column("variant_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_index("ix_stock_reservations_product_expires")
        batch.create_index("ix_stock_reservations_variant_expires", ["variant_id", "expires_at"])
        batch.create_foreign_key(
            op.f("fk_stock_reservations_variant_id_product_variants"),
            "product_variants",
            ["variant_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("order_items") as batch:
        batch.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sku", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("options", sa.String(length=300), nullable=True))
    op.execute("UPDATE order_items SET variant_id = product_id WHERE product_id IS NOT NULL")
    with op.batch_alter_table("order_items") as batch:
        batch.create_index(op.f("ix_order_items_variant_id"), ["variant_id"])
        batch.create_foreign_key(
            op.f("fk_order_items_variant_id_product_variants"),
            "product_variants",
            ["variant_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("order_items") as batch:
        batch.drop_constraint(
            op.f("fk_order_items_variant_id_product_variants"), type_="foreignkey"
        )
        batch.drop_index(op.f("ix_order_items_variant_id"))
        batch.drop_column("options")
        batch.drop_column("sku")
        batch.drop_column("variant_id")
    with op.batch_alter_table("stock_reservations") as batch:
        batch.drop_constraint(
            op.f("fk_stock_reservations_variant_id_product_variants"), type_="foreignkey"
        )
        batch.drop_index("ix_stock_reservations_variant_expires")
        batch.create_index("ix_stock_reservations_product_expires", ["product_id", "expires_at"])
        batch.drop_column("variant_id")
    # A product's several variants in one basket become one line of their summed quantity.
    op.execute(
        "UPDATE basket_items SET quantity = (SELECT sum(b.quantity) FROM basket_items b "
        "WHERE b.basket_id = basket_items.basket_id AND b.product_id = basket_items.product_id)"
    )
    op.execute(
        "DELETE FROM basket_items WHERE id NOT IN "
        "(SELECT min(id) FROM basket_items GROUP BY basket_id, product_id)"
    )
    with op.batch_alter_table("basket_items") as batch:
        batch.drop_constraint(
            op.f("fk_basket_items_variant_id_product_variants"), type_="foreignkey"
        )
        batch.drop_index("uq_basket_items_basket_variant")
        batch.drop_index(op.f("ix_basket_items_variant_id"))
        batch.create_index(
            "uq_basket_items_basket_product", ["basket_id", "product_id"], unique=True
        )
        batch.drop_column("variant_id")
    # A product keeps its only variant's SKU and Stripe price (the summary columns already
    # hold the lowest price and the stock summed); a product of several keeps none.
    op.drop_index(op.f("ix_variant_option_values_value_id"), table_name="variant_option_values")
    op.drop_table("variant_option_values")
    op.drop_table("product_variants")
    op.drop_table("product_option_values")
    op.drop_table("product_options")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("has_options")
        batch.drop_column("price_max")
