"""Rebuild the admin's gettext catalogs (domain "admin") from the sources, keeping every
translation already there: run after adding admin strings, then translate the new empty
Russian entries (tests/admin/test_translations.py lists any left).

    .venv/bin/python scripts/admin_catalogs.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "vitrina" / "locale"
POT = ROOT / "build" / "admin.pot"


def main() -> None:
    POT.parent.mkdir(exist_ok=True)
    subprocess.run(  # noqa: S603
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel-admin.cfg",
            "-k",
            "lazy",
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "-o",
            str(POT),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with POT.open("rb") as pot_file:
        template = read_po(pot_file)
    for language in ("en", "ru"):
        path = LOCALE / language / "LC_MESSAGES" / "admin.po"
        with path.open("rb") as po_file:
            known = {m.id: m.string for m in read_po(po_file) if m.id}
        catalog = Catalog(
            locale=language,
            domain="admin",
            project="Vitrina admin",
            version="0.1",
            copyright_holder="the Vitrina authors",
            msgid_bugs_address="shop@example.com",
            last_translator="Vitrina",
            language_team=f"{language} <shop@example.com>",
            header_comment=f"# {language} translations of the Vitrina admin.\n#",
        )
        catalog.revision_date = catalog.creation_date
        catalog.fuzzy = False
        for message in template:
            if message.id:
                catalog.add(message.id, known.get(message.id, ""), flags=message.flags)
        with path.open("wb") as po_file:
            write_po(po_file, catalog, sort_output=True, no_location=True, width=100)


if __name__ == "__main__":
    main()
