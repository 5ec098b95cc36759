"""accounts: session versions and ended sessions, email skeletons, email changes, addresses.

- `users.session_version`: bumped by a password change or "log out everywhere".
- `ended_sessions`: single sessions ended by logging out, until their cookies/tokens expire.
- `users.email_skeleton` (unique): the look of the address; existing emails are normalised
  (NFKC, lower case: unchanged for ASCII addresses) and given their skeleton. When two existing
  accounts look alike, the older keeps the skeleton and the newer gets NULL (still able to log
  in; no further look-alike can register); an address whose normal form another row already
  holds stays as it was.
- `email_change_requests`: a new address waiting for its mailed confirmation link.
- `shipping_addresses`: saved addresses, at most one default per user.

Revision ID: 20261204_accounts
Revises: 20261204_admin
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vitrina.accounts.email_address import normalize_email, skeleton

revision: str = "20261204_accounts"
down_revision: str | None = "20261204_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IS_DEFAULT = sa.text("is_default")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def _normalise_existing_emails() -> None:
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("email_skeleton", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    emails = {email for _id, email in rows}
    looks: set[str] = set()
    for user_id, email in rows:
        normal, look = normalize_email(email), skeleton(email)
        values: dict[str, str | None] = {"email_skeleton": None if look in looks else look}
        if normal not in emails:  # a second spelling of a stored address keeps its own
            values["email"] = normal
            emails.add(normal)
        looks.add(look)
        bind.execute(sa.update(users).where(users.c.id == user_id).values(**values))


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )
        batch.add_column(sa.Column("email_skeleton", sa.String(length=640), nullable=True))
    _normalise_existing_emails()
    with op.batch_alter_table("users") as batch:
        batch.create_unique_constraint(op.f("uq_users_email_skeleton"), ["email_skeleton"])

    op.create_table(
        "ended_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("ended_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ended_sessions")),
    )
    op.create_index(op.f("ix_ended_sessions_user_id"), "ended_sessions", ["user_id"])
    op.create_index(op.f("ix_ended_sessions_expires_at"), "ended_sessions", ["expires_at"])

    op.create_table(
        "email_change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("new_email", sa.String(length=320), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("email_change_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_change_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_change_requests_token_hash")),
    )
    op.create_index(op.f("ix_email_change_requests_user_id"), "email_change_requests", ["user_id"])

    op.create_table(
        "shipping_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        *_timestamps(),
        _user_fk("shipping_addresses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_addresses")),
    )
    op.create_index(op.f("ix_shipping_addresses_user_id"), "shipping_addresses", ["user_id"])
    op.create_index(
        "uq_shipping_addresses_one_default",
        "shipping_addresses",
        ["user_id"],
        unique=True,
        postgresql_where=IS_DEFAULT,
        sqlite_where=IS_DEFAULT,
    )


def downgrade() -> None:
    op.drop_index("uq_shipping_addresses_one_default", table_name="shipping_addresses")
    op.drop_index(op.f("ix_shipping_addresses_user_id"), table_name="shipping_addresses")
    op.drop_table("shipping_addresses")
    op.drop_index(op.f("ix_email_change_requests_user_id"), table_name="email_change_requests")
    op.drop_table("email_change_requests")
    op.drop_index(op.f("ix_ended_sessions_expires_at"), table_name="ended_sessions")
    op.drop_index(op.f("ix_ended_sessions_user_id"), table_name="ended_sessions")
    op.drop_table("ended_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_email_skeleton"), type_="unique")
        batch.drop_column("email_skeleton")
        batch.drop_column("session_version")
