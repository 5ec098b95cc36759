"""Tax classes of products and the store's tax rates per country (and region)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, TimestampMixin, str_enum


class TaxClass(StrEnum):
    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"


class TaxRate(TimestampMixin, Base):
    """The tax a product of `tax_class` bears when shipped to `country` (and `region`, a
    state or province code, when the rate is the region's own).

    In TAX_MODE=manual each rate becomes a Stripe Tax Rate (`stripe_id`). Stripe's
    percentage and inclusiveness are immutable, so `stripe_signature` records what the
    Stripe object carries; a change makes a new one and archives the old.
    """

    __tablename__ = "tax_rates"
    __table_args__ = (
        CheckConstraint("percentage >= 0 AND percentage < 100", name="percentage_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(50), default=None)
    tax_class: Mapped[TaxClass] = mapped_column(str_enum(TaxClass), default=TaxClass.STANDARD)
    percentage: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    display_name: Mapped[str] = mapped_column(String(50), default="VAT")
    is_active: Mapped[bool] = mapped_column(default=True)
    stripe_id: Mapped[str | None] = mapped_column(String(255), default=None)
    stripe_signature: Mapped[str | None] = mapped_column(String(200), default=None)

    def __str__(self) -> str:
        where = f"{self.country}-{self.region}" if self.region else self.country
        return f"{self.display_name} {self.percentage.normalize():f} % ({where}, {self.tax_class})"
