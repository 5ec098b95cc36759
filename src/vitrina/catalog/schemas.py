"""What the catalog API accepts and returns.

Prices and stock are strict integers: `12.5`, `"12.50"` or `true` are refused with 422 rather
than silently rounded, because a price is an amount of minor units (`50000` is 500.00).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from vitrina.catalog.models import ProductImage
from vitrina.currencies.schemas import CurrencyQuery
from vitrina.kit.bounds import MAX_INT
from vitrina.kit.languages import Language
from vitrina.kit.stripe_sync import SyncState

Id = Annotated[int, Field(strict=True, ge=1, le=MAX_INT)]
Position = Annotated[int, Field(strict=True, ge=-MAX_INT, le=MAX_INT)]
MinorUnits = Annotated[int, Field(strict=True, ge=0, le=2_000_000_000)]
Quantity = Annotated[int, Field(strict=True, ge=0, le=2_000_000_000)]
Name = Annotated[str, Field(min_length=1, max_length=300)]


class ProductSort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NAME = "name"
    NEWEST = "newest"


class ProductQuery(BaseModel):
    """The product list's filters, sort and page (GET /products query string)."""

    q: str | None = Field(default=None, max_length=200)
    category: str | None = None
    min_price: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    max_price: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    in_stock: bool = False
    sort: ProductSort | None = None
    cursor: str | None = Field(default=None, max_length=1000)
    limit: Annotated[int, Field(ge=1, le=100)] = 24
    include_inactive: bool = False
    lang: Language | None = Field(
        default=None, description="Names in this language (else Accept-Language, else the store's)."
    )
    facets: bool = Field(
        default=False,
        description="On a first page, also count the matches (`total`) and group them (`facets`).",
    )


class ProductPageQuery(BaseModel):
    """A product page's query string (GET /products/{id_or_slug})."""

    lang: Language | None = Field(
        default=None,
        description="Name, description and slug in this language (else Accept-Language, else "
        "the store's).",
    )
    currency: CurrencyQuery = None


class ImageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    alt: str
    width: int
    height: int
    position: int
    content_type: str

    @classmethod
    def of(cls, image: ProductImage) -> ImageOut:
        return cls(
            **image_fields(
                image.id,
                image.path,
                image.alt,
                image.width,
                image.height,
                image.position,
                image.content_type,
            )
        )


def media_url(path: str) -> str:
    """Where a stored media file is served (the app mounts MEDIA_DIR at /media)."""
    return f"/media/{path}"


def image_fields(
    image_id: int, path: str, alt: str, width: int, height: int, position: int, content_type: str
) -> dict[str, Any]:
    """An `ImageOut`'s fields, from an entity or from the columns of a plain row."""
    return {
        "id": image_id,
        "url": media_url(path),
        "alt": alt,
        "width": width,
        "height": height,
        "position": position,
        "content_type": content_type,
    }


OptionalName = Annotated[str, Field(max_length=300)] | None
OptionalSlug = Annotated[str, Field(max_length=300)] | None


class TranslationsIn(BaseModel):
    """The text per language (`name_ru`, ...); empty or null: none (the main text shows)."""

    name_en: OptionalName = None
    name_ru: OptionalName = None
    description_en: str | None = None
    description_ru: str | None = None
    slug_en: OptionalSlug = None
    slug_ru: OptionalSlug = None


class TranslationsOut(BaseModel):
    """The text per language as stored (the store's language: the main fields)."""

    name_en: str | None
    name_ru: str | None
    description_en: str | None
    description_ru: str | None
    slug_en: str | None
    slug_ru: str | None


class CategoryRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str


class CategoryNode(CategoryRef):
    description: str
    position: int
    parent_id: int | None
    children: list[CategoryNode] = []


class CategoryOut(CategoryNode, TranslationsOut):
    breadcrumb: list[CategoryRef] = []
    slugs: dict[Language, str] = Field(description="The category's slug in each language.")


class CategoryCreate(TranslationsIn):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    slug: str | None = None
    parent_id: Id | None = None
    description: str = ""
    position: Position = 0


class CategoryUpdate(TranslationsIn):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    slug: str | None = None
    parent_id: Id | None = None
    description: str | None = None
    position: Position | None = None


def _country_list(value: str | None) -> str | None:
    """ "de, fr" -> "DE,FR"; blank -> None (ships wherever the store ships)."""
    if value is None or not value.strip():
        return None
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    if not all(len(c) == 2 and c.isascii() and c.isalpha() for c in codes):
        raise ValueError("ships_to: write two-letter country codes separated by commas (DE,FR).")
    return ",".join(dict.fromkeys(codes))


ShipsTo = Annotated[
    str | None,
    Field(max_length=300, description="Countries it may be shipped to (DE,FR); none: any."),
    AfterValidator(_country_list),
]
TaxClassName = Literal["standard", "reduced", "zero"]
"""Which of a country's tax rates apply (`taxes.models.TaxClass`)."""
Grams = Annotated[int, Field(ge=0, le=10_000_000, description="Shipping weight in grams.")]


class ProductCreate(TranslationsIn):
    name: Name
    category_id: Id
    price: MinorUnits
    slug: str | None = None
    sku: Annotated[str, Field(max_length=100)] | None = None
    description: str = ""
    stock: Quantity = 0
    is_active: bool = True
    weight_grams: Grams = 0
    ships_to: ShipsTo = None
    tax_class: TaxClassName = "standard"


class ProductUpdate(TranslationsIn):
    """PATCH: only the fields sent are changed."""

    name: Name | None = None
    category_id: Id | None = None
    price: MinorUnits | None = None
    slug: str | None = None
    sku: Annotated[str, Field(max_length=100)] | None = None
    description: str | None = None
    stock: Quantity | None = None
    is_active: bool | None = None
    weight_grams: Grams | None = None
    ships_to: ShipsTo = None
    tax_class: TaxClassName | None = None


class StockChange(BaseModel):
    """Either `{"set": n}` or `{"delta": +/-n, "reason": "..."}`."""

    set: Quantity | None = None
    delta: Annotated[int, Field(strict=True, ge=-2_000_000_000, le=2_000_000_000)] | None = None
    reason: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.set is None) == (self.delta is None):
            raise ValueError('Send exactly one of "set" (a new quantity) or "delta".')
        return self


class ProductListItem(BaseModel):
    id: int
    name: str
    slug: str
    price: int = Field(description='The lowest price of its variants ("from").')
    price_max: int | None = Field(
        default=None, description="The highest, when its variants' prices differ."
    )
    currency: str
    in_stock: bool
    stock: int
    is_active: bool
    category_id: int
    thumbnail: ImageOut | None
    created_at: datetime


class CategoryFacet(BaseModel):
    id: int
    name: str
    slug: str
    count: int


class PriceFacet(BaseModel):
    min_price: int | None = Field(description="Minor units, inclusive; null: no lower bound.")
    max_price: int | None = Field(description="Minor units, exclusive; null: no upper bound.")
    count: int


class OptionFacet(BaseModel):
    option: str = Field(description="The option's slug: the filter's name (`size`).")
    value: str = Field(description="The value's slug: the filter's value (`m`).")
    count: int = Field(description="Matching products with an active variant of it.")


class Facets(BaseModel):
    """Matches per category, per price range and per option value, among the matches
    counted (`total`)."""

    categories: list[CategoryFacet]
    prices: list[PriceFacet]
    options: list[OptionFacet] = []


class ProductPage(BaseModel):
    items: list[ProductListItem]
    next_cursor: str | None
    total: int | None = Field(
        default=None,
        description="Matches, counted on a first page asked with facets=true, up to 10,000 "
        "(1,000 for a text search); null otherwise.",
    )
    total_capped: bool = Field(
        default=False,
        description="There are more matches than `total` (show '10,000+'); the facet counts "
        "are then counts among the first `total` matches.",
    )
    facets: Facets | None = None
    suggestion: str | None = Field(
        default=None, description='"Did you mean": a corrected query that finds more.'
    )
    corrected: bool = Field(
        default=False,
        description="The query found nothing, so the items are the suggestion's matches.",
    )


class OptionValueOut(BaseModel):
    id: int
    value: str
    slug: str


class OptionOut(BaseModel):
    id: int
    name: str
    slug: str
    values: list[OptionValueOut]


class VariantOut(BaseModel):
    id: int
    sku: str | None
    price: int
    compare_at_price: int | None
    stock: int
    in_stock: bool
    weight_grams: int | None
    is_active: bool
    image_id: int | None
    values: list[int] = Field(description="Ids of its option values, one per option.")
    options: str = Field(description='As a shopper reads them: "Size: M, Colour: red".')
    choice: dict[str, str] = Field(description="Option slug -> value slug (`?size=m`).")


class ProductOut(BaseModel):
    id: int
    name: str
    slug: str
    sku: str | None
    description: str
    price: int = Field(description="The lowest price of its variants (minor units).")
    price_max: int | None = Field(
        default=None, description="The highest, when its variants' prices differ."
    )
    currency: str
    stock: int
    in_stock: bool
    is_active: bool
    category_id: int
    options: list[OptionOut] = Field(default=[], description="Size, Colour, ... in order.")
    variants: list[VariantOut] = Field(
        default=[], description="What is sold, one per combination (none listed: it has one)."
    )
    breadcrumb: list[CategoryRef]
    images: list[ImageOut]
    created_at: datetime
    updated_at: datetime
    language: Language = Field(description="The language of name, description and slug.")
    slugs: dict[Language, str] = Field(
        description="The product's slug in each language (alternate URLs); `slug` is "
        "the canonical one for `language`."
    )


class StaffProductOut(ProductOut, TranslationsOut):
    sync_state: SyncState
    sync_error: str | None
    stripe_id: str | None
    stripe_price_id: str | None
    weight_grams: int = 0
    ships_to: str | None = None
    tax_class: str = "standard"


class ImageUpdate(BaseModel):
    alt: Annotated[str, Field(max_length=300)]


class ImageOrder(BaseModel):
    image_ids: list[int]


class ImportRowError(BaseModel):
    line: int
    errors: list[str]


class ImportReport(BaseModel):
    rows: int
    created: int
    updated: int
    errors: list[ImportRowError]


class ImportJobOut(BaseModel):
    """A CSV import running in the background, or how it ended."""

    id: str
    status: str = Field(description="queued, running, done (written) or failed (nothing written)")
    filename: str
    rows_done: int
    rows_total: int
    percent: int
    created: int
    updated: int
    errors: list[ImportRowError]
    message: str | None
    finished: bool
