"""Every string the admin shows has a Russian translation, and the admin speaks the
language the visitor chose (cookie, else Accept-Language), as the storefront does."""

from __future__ import annotations

from pathlib import Path

import httpx
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from admin.helpers import admin_login
from vitrina.accounts.models import User

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "vitrina" / "locale"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy": None, "N_": None}


def _admin_messages() -> set[str]:
    method_map = [
        ("src/vitrina/admin/**.py", "python"),
        ("src/vitrina/templates/admin/**.html", "jinja2"),
    ]
    options = {"src/vitrina/templates/admin/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_admin_string_is_translated_to_russian() -> None:
    with (LOCALE / "ru" / "LC_MESSAGES" / "admin.po").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_admin_messages() - translated)
    assert missing == [], f"add these to ru admin.po (and en): {missing}"


async def test_the_admin_speaks_the_chosen_language(client: httpx.AsyncClient, staff: User) -> None:
    login = await client.get("/admin/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "Пароль" in login.text and "Вход в" in login.text
    english = await client.get("/admin/login", headers={"Accept-Language": "en-US"})
    assert ">Email<" in english.text and "Username" not in english.text
    await admin_login(client, staff)
    client.cookies.set("lang", "ru")
    page = await client.get("/admin/order/list", headers={"Accept-Language": "en"})
    assert "Заказы" in page.text and "Требует проверки" in page.text
    client.cookies.set("lang", "en")
    page = await client.get("/admin/order/list", headers={"Accept-Language": "ru"})
    assert "Needs review" in page.text
