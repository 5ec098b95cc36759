"""Amount-off coupons: `discount_coupons.amount_off` (minor units of the store's default
currency) beside the percent (exactly one of the two is set), and `coupon_amounts`, a
coupon's amount set by hand in another currency. Existing coupons are percent-off and stay
as they were.

SQLite rebuilds the table for the new checks (batch mode); its expression index on
lower(number) cannot be reflected, so it is dropped before and made again after.
Downgrading refuses while an amount-off coupon exists: the old schema cannot hold it.

Revision ID: 20261205_coupon_amounts_1
Revises: 20261205_currencies_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_coupon_amounts_1"
down_revision: str | None = "20261205_currencies_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_discount_coupons_number_lower"
LIVE = sa.text("deleted_at IS NULL")


def _drop_index() -> None:
    op.drop_index(INDEX, table_name="discount_coupons")


def _create_index() -> None:
    op.create_index(
        INDEX,
        "discount_coupons",
        [sa.literal_column("lower(number)")],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def upgrade() -> None:
    _drop_index()
    with op.batch_alter_table("discount_coupons") as batch:
        batch.add_column(sa.Column("amount_off", sa.Integer(), nullable=True))
        batch.alter_column("discount", existing_type=sa.Numeric(5, 2), nullable=True)
        batch.create_check_constraint(
            op.f("ck_discount_coupons_one_kind"), "(discount IS NULL) <> (amount_off IS NULL)"
        )
        batch.create_check_constraint(
            op.f("ck_discount_coupons_amount_off_positive"), "amount_off > 0"
        )
    _create_index()
    op.create_table(
        "coupon_amounts",
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_coupon_amounts_amount_positive")),
        sa.CheckConstraint(
            "currency = lower(currency)", name=op.f("ck_coupon_amounts_currency_lower_case")
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["discount_coupons.id"],
            name=op.f("fk_coupon_amounts_coupon_id_discount_coupons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coupon_id", "currency", name=op.f("pk_coupon_amounts")),
    )


def downgrade() -> None:
    count = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM discount_coupons WHERE amount_off IS NOT NULL")
    )
    if count:
        raise RuntimeError(
            f"{count} amount-off coupon(s) exist; the schema before "
            "20261205_coupon_amounts_1 holds percent-off coupons only. Remove them first."
        )
    op.drop_table("coupon_amounts")
    _drop_index()
    with op.batch_alter_table("discount_coupons") as batch:
        batch.drop_constraint(op.f("ck_discount_coupons_amount_off_positive"), type_="check")
        batch.drop_constraint(op.f("ck_discount_coupons_one_kind"), type_="check")
        batch.alter_column("discount", existing_type=sa.Numeric(5, 2), nullable=False)
        batch.drop_column("amount_off")
    _create_index()
