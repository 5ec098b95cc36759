"""`vitrina create-staff` and the demo accounts, against the test database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from accounts.conftest import Login
from fixtures.accounts import MakeUser
from vitrina.accounts.models import Role, User
from vitrina.accounts.service import ensure_demo_accounts
from vitrina.cli import app as cli_app

runner = CliRunner()


async def invoke(args: list[str], input: str | None = None) -> Result:
    """Run `vitrina ...` in a thread: the command starts its own event loop, as in a shell."""
    return await asyncio.to_thread(runner.invoke, cli_app, args, input=input)


async def _user(session: AsyncSession, email: str) -> User:
    session.expire_all()
    return (await session.scalars(select(User).where(User.email == email))).one()


async def test_create_staff_with_options(session: AsyncSession, login: Login) -> None:
    result = await invoke(
        [
            "create-staff",
            "--email",
            "Boss@Example.com",
            "--password",
            "B0ss-pass",
            "--admin",
            "--full-name",
            "The Boss",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Created admin account boss@example.com" in result.output
    user = await _user(session, "boss@example.com")
    assert (user.role, user.full_name) == (Role.ADMIN, "The Boss")
    assert (await login("boss@example.com", "B0ss-pass")).status_code == 200


async def test_create_staff_prompts_with_hidden_confirmed_password(session: AsyncSession) -> None:
    result = await invoke(
        ["create-staff"],
        input="clerk@example.com\nCl3rk-pass\nCl3rk-pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "Cl3rk-pass" not in result.output
    assert "Repeat for confirmation" in result.output
    assert (await _user(session, "clerk@example.com")).role is Role.STAFF


async def test_create_staff_promotes_an_existing_customer(
    make_user: MakeUser, session: AsyncSession, login: Login
) -> None:
    await make_user(email="promote@example.com")
    tokens = (await login("promote@example.com")).json()
    result = await invoke(
        ["create-staff", "--email", "promote@example.com", "--password", "N3w-staff-pw"]
    )
    assert result.exit_code == 0, result.output
    assert "now staff" in result.output
    assert (await _user(session, "promote@example.com")).role is Role.STAFF
    assert (await login("promote@example.com", "N3w-staff-pw")).status_code == 200
    assert tokens["refresh_token"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email", "--password", "G00d-pass"], "Invalid email"),
        (["--email", "ok@example.com", "--password", "12345678"], "digits only"),
    ],
)
async def test_create_staff_refuses_bad_input(args: list[str], message: str) -> None:
    result = await invoke(["create-staff", *args])
    assert result.exit_code == 2
    assert message in result.output


async def test_demo_accounts_are_created_once(session: AsyncSession, login: Login) -> None:
    accounts = await ensure_demo_accounts(session)
    await session.commit()
    assert [(role, email) for role, email, _ in accounts] == [
        ("admin", "staff@example.com"),
        ("customer", "customer@example.com"),
    ]
    for _role, email, password in accounts:
        assert (await login(email, password)).status_code == 200
    assert await ensure_demo_accounts(session) == accounts
    await session.commit()
    assert len((await session.scalars(select(User))).all()) == 2
