from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
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

    What is sold is one of its variants (`ProductVariant`, every product has at least one).
    The product keeps a summary of them for the list, search and sort to read without a
    join (`catalog/variants.py` keeps it): `price` is the lowest active variant's price (the
    "from" price), `price_max` the highest where it differs (else NULL), `stock` the sum of
    the active variants' stock, `has_options` whether they are made of options. `sku` is
    its only variant's while it has one (the seed's classes read it), NULL otherwise.

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
    price_max: Mapped[int | None] = mapped_column(Integer, default=None)
    has_options: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Its variants are made of options: the page reads them (else it has one, the default)."""
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    stripe_price_id: Mapped[str | None] = mapped_column(String(255), default=None)
    stripe_price_amount: Mapped[int | None] = mapped_column(Integer, default=None)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Shipping weight (weight-tiered methods add up the basket's)."""
    ships_to: Mapped[str | None] = mapped_column(String(300), default=None)
    """Comma-separated country codes this product may be shipped to; NULL: wherever the
    store ships."""
    tax_class: Mapped[str] = mapped_column(
        String(30), default="standard", server_default="standard"
    )
    """standard, reduced or zero (`taxes.models.TaxClass`): which of a country's rates apply."""

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


class ProductOption(Base):
    """An option a product is sold in (Size, Colour), with its values in order. `name` is
    in the store's language, `name_<lang>` per language (NULL: the main name); `slug` names
    it in a filter (`?size=m`)."""

    __tablename__ = "product_options"
    __table_args__ = (UniqueConstraint("product_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100), default=None)
    name_ru: Mapped[str | None] = mapped_column(String(100), default=None)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)

    values: Mapped[list[ProductOptionValue]] = relationship(
        lazy="raise", order_by="ProductOptionValue.position", cascade="all, delete-orphan"
    )


class ProductOptionValue(Base):
    """One value of an option (M, red), per language like the option's name."""

    __tablename__ = "product_option_values"
    __table_args__ = (UniqueConstraint("option_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("product_options.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(100))
    value_en: Mapped[str | None] = mapped_column(String(100), default=None)
    value_ru: Mapped[str | None] = mapped_column(String(100), default=None)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductVariant(TimestampMixin, Base):
    """What is sold: one combination of a product's option values, with its own SKU, price
    (minor units of the product's currency), stock, weight and active flag.

    `combination` is the sorted ids of its option values joined by commas ("" for a product
    without options), unique per product: the database refuses a combination twice. A
    product that existed before variants has one variant whose id is the product's.
    """

    __tablename__ = "product_variants"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        UniqueConstraint("product_id", "combination"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    combination: Mapped[str] = mapped_column(String(200), default="")
    sku: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    price: Mapped[int] = mapped_column(Integer)
    compare_at_price: Mapped[int | None] = mapped_column(Integer, default=None)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_grams: Mapped[int | None] = mapped_column(Integer, default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    image_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_images.id", ondelete="SET NULL"), default=None
    )
    stripe_price_id: Mapped[str | None] = mapped_column(String(255), default=None)
    stripe_price_amount: Mapped[int | None] = mapped_column(Integer, default=None)

    values: Mapped[list[ProductOptionValue]] = relationship(
        lazy="raise", secondary="variant_option_values", order_by="ProductOptionValue.option_id"
    )


class VariantOptionValue(Base):
    """Which option values make a variant (one per option of its product)."""

    __tablename__ = "variant_option_values"

    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True
    )
    value_id: Mapped[int] = mapped_column(
        ForeignKey("product_option_values.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class SearchWord(Base):
    """A word of a product name, in any language: the vocabulary "Did you mean" corrects a
    search against (catalog/suggestions.py). PostgreSQL indexes it by trigrams (pg_trgm)."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(100), primary_key=True)
