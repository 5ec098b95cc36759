"""Schema objects that migrations create on PostgreSQL only and the ORM models leave out.

Full-text search lives in `products.search_vector` (generated column, GIN index), and the
word list for "Did you mean" has a trigram index (pg_trgm). SQLite has neither, so the models
cannot declare them; autogenerate must not propose dropping them.
"""

from __future__ import annotations

from typing import Any

DATABASE_ONLY = frozenset(
    {
        ("products", "search_vector"),
        ("products", "ix_products_search_vector"),
        ("search_words", "ix_search_words_trigrams"),
    }
)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's `include_object` hook: skip the database-only objects found by reflection."""
    if not reflected or compare_to is not None or type_ not in ("column", "index"):
        return True
    table = getattr(obj, "table", None)
    return (getattr(table, "name", None), name) not in DATABASE_ONLY
