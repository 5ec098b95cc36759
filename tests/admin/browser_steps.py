"""Steps an owner takes in the admin, in Chromium."""

from __future__ import annotations

from typing import Any

from vitrina.accounts.models import User


async def log_in(page: Any, user: User) -> None:
    await page.goto("/admin/login")
    await page.get_by_label("Email").fill(user.email)
    await page.get_by_label("Password").fill("Passw0rd!x")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/admin/")


async def save(page: Any) -> None:
    """Press the form's plain "Save" and wait for the page it leads to."""
    async with page.expect_navigation():
        await page.locator("input[type=submit][name=save]").first.click()


async def confirm(page: Any) -> None:
    """Answer "Yes" in sqladmin's confirmation dialog."""
    dialog = page.locator(".modal.show")
    async with page.expect_navigation():
        await (
            dialog.get_by_role("link", name="Yes")
            .or_(dialog.get_by_role("button", name="Yes"))
            .click()
        )
