"""catalog: listing indexes, and full-text search on PostgreSQL.

`products.search_vector` is a stored generated tsvector (name weighted A, description B) with a
GIN index. It exists only on PostgreSQL and is not in the ORM model (SQLite searches with
LIKE); migrations/env.py leaves it out of autogenerate's comparison
(vitrina.catalog.database_only).

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTING_INDEXES = {
    "ix_products_active_price": ["is_active", "price", "id"],
    "ix_products_active_name": ["is_active", "name", "id"],
    "ix_products_category_active_created": ["category_id", "is_active", "created_at", "id"],
}

SEARCH_VECTOR = (
    "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B')"
)


def upgrade() -> None:
    for name, columns in LISTING_INDEXES.items():
        op.create_index(name, "products", columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "products",
            sa.Column(
                "search_vector",
                postgresql.TSVECTOR(),
                sa.Computed(SEARCH_VECTOR, persisted=True),
                nullable=True,
            ),
        )
        op.create_index(
            "ix_products_search_vector", "products", ["search_vector"], postgresql_using="gin"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_products_search_vector", table_name="products")
        op.drop_column("products", "search_vector")
    for name in LISTING_INDEXES:
        op.drop_index(name, table_name="products")
