"""catalog: text per language (ru, en), Russian-aware full-text search, a word list for
"Did you mean".

- Categories and products get `name_<lang>`, `description_<lang>` and `slug_<lang>` (unique)
  for ru and en; the main columns hold the store's language (STORE_LANGUAGE).
- `products.search_vector` is rebuilt over every language's name (weight A) and description
  (B) with PostgreSQL's `russian` configuration, which stems Cyrillic words with the Russian
  Snowball stemmer and ASCII words with the English one (so English search is unchanged).
  The generated column is dropped and added again: on a large table this rewrites it
  (about a minute per million products here).
- The name sort of each language gets an index on `coalesce(name_<lang>, name)`.
- `search_words` holds the words of product names; on PostgreSQL a trigram index (pg_trgm,
  `CREATE EXTENSION`, which needs a superuser or a database owner allowed to create trusted
  extensions: docs/deploy.md) finds the nearest words to a misspelt one.

Revision ID: 20261204_catalog_i18n
Revises: 20261204_emulator
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261204_catalog_i18n"
down_revision: str | None = "20261204_emulator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = ("en", "ru")
TABLES = ("categories", "products")

SEARCH_VECTOR = (
    "setweight(to_tsvector('russian', coalesce(name, '') || ' ' || coalesce(name_en, '') "
    "|| ' ' || coalesce(name_ru, '')), 'A') || "
    "setweight(to_tsvector('russian', coalesce(description, '') || ' ' || "
    "coalesce(description_en, '') || ' ' || coalesce(description_ru, '')), 'B')"
)
OLD_SEARCH_VECTOR = (
    "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B')"
)


def _search_vector(expression: str) -> None:
    op.add_column(
        "products",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(expression, persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_products_search_vector", "products", ["search_vector"], postgresql_using="gin"
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_index("ix_products_search_vector", table_name="products")
        op.drop_column("products", "search_vector")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for language in LANGUAGES:
                batch.add_column(sa.Column(f"name_{language}", sa.String(300), nullable=True))
                batch.add_column(sa.Column(f"description_{language}", sa.Text(), nullable=True))
                batch.add_column(sa.Column(f"slug_{language}", sa.String(300), nullable=True))
                batch.create_unique_constraint(f"uq_{table}_slug_{language}", [f"slug_{language}"])
    op.drop_index("ix_products_active_name", table_name="products")
    for language in LANGUAGES:
        op.create_index(
            f"ix_products_active_name_{language}",
            "products",
            ["is_active", sa.text(f"coalesce(name_{language}, name)"), "id"],
        )
    op.create_table(
        "search_words",
        sa.Column("word", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_search_words_trigrams",
            "search_words",
            ["word"],
            postgresql_using="gist",
            postgresql_ops={"word": "gist_trgm_ops"},
        )
        _search_vector(SEARCH_VECTOR)
        op.execute(
            "INSERT INTO search_words (word) SELECT word FROM ts_stat("
            "$$SELECT to_tsvector('simple', name) FROM products$$) "
            "WHERE length(word) BETWEEN 3 AND 100 AND word !~ '^[0-9]+$' ON CONFLICT DO NOTHING"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_index("ix_products_search_vector", table_name="products")
        op.drop_column("products", "search_vector")
    op.drop_table("search_words")
    for language in LANGUAGES:
        op.drop_index(f"ix_products_active_name_{language}", table_name="products")
    op.create_index("ix_products_active_name", "products", ["is_active", "name", "id"])
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for language in LANGUAGES:
                batch.drop_constraint(f"uq_{table}_slug_{language}", type_="unique")
                for column in ("name", "description", "slug"):
                    batch.drop_column(f"{column}_{language}")
    if postgres:
        _search_vector(OLD_SEARCH_VECTOR)
