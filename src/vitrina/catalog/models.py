from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vitrina.db import Base, TimestampMixin
from vitrina.kit.stripe_sync import StripeSyncMixin


class Translated:
    """A name, description and slug per language besides the main ones.

    `name`, `description` and `slug` are in the store's language (STORE_LANGUAGE); `name_ru`,
    `name_en`, ... are the text in that language, NULL where there is none (the main text is
    shown then). Writes keep the store language's own columns NULL (`translations.py`).
    """

    name_en: Mapped[str | None] = mapped_column(String(300), default=None)
    name_ru: Mapped[str | None] = mapped_column(String(300), default=None)
    description_en: Mapped[str | None] = mapped_column(Text, default=None)
    description_ru: Mapped[str | None] = mapped_column(Text, default=None)
    slug_en: Mapped[str | None] = mapped_column(String(300), unique=True, default=None)
    slug_ru: Mapped[str | None] = mapped_column(String(300), unique=True, default=None)


class Category(Translated, TimestampMixin, Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Product(Translated, StripeSyncMixin, TimestampMixin, Base):
    """A thing the store sells. `price` is in minor units of `currency` (50000 = 500.00).

    `stripe_id` is the Stripe Product id and `stripe_price_id` its current default Price;
    `stripe_price_amount` is the amount that Price carries, so a reprice can be detected.
    """

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Index("ix_products_category_active_price", "category_id", "is_active", "price", "id"),
        Index("ix_products_active_created", "is_active", "created_at", "id"),
        Index("ix_products_active_price", "is_active", "price", "id"),
        *(
            Index(f"ix_products_active_name_{language}", "is_active", text(expression), "id")
            for language, expression in (
                ("en", "coalesce(name_en, name)"),
                ("ru", "coalesce(name_ru, name)"),
            )
        ),
        Index(
            "ix_products_category_active_created", "category_id", "is_active", "created_at", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(300), unique=True)
    sku: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    stripe_price_id: Mapped[str | None] = mapped_column(String(255), default=None)
    stripe_price_amount: Mapped[int | None] = mapped_column(Integer, default=None)

    category: Mapped[Category] = relationship(lazy="raise")
    images: Mapped[list[ProductImage]] = relationship(
        lazy="raise", order_by="ProductImage.position", cascade="all, delete-orphan"
    )


class ProductImage(Base):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(500))
    alt: Mapped[str] = mapped_column(String(300), default="")
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SearchWord(Base):
    """A word of a product name, in any language: the vocabulary "Did you mean" corrects a
    search against (catalog/suggestions.py). PostgreSQL indexes it by trigrams (pg_trgm)."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(100), primary_key=True)
