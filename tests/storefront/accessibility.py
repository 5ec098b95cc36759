"""axe-core (from npm: tests/storefront/axe, installed by scripts/test.sh) run on a page.

The script is evaluated through the DevTools protocol, which the storefront's strict CSP
(no inline scripts) does not apply to, so the pages are checked exactly as shoppers get them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
ALWAYS_BLOCKING = {"heading-order", "image-redundant-alt"}
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every violation axe finds on the page as it is now."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci --prefix tests/storefront/axe`")
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = await page.evaluate(RUN)
    return found


async def assert_accessible(page: Any, where: str) -> None:
    """No serious or critical violation, and no heading-order or redundant-alt finding."""
    blocking = [
        v
        for v in await axe_violations(page)
        if v["impact"] in BLOCKING_IMPACTS or v["id"] in ALWAYS_BLOCKING
    ]
    assert not blocking, f"accessibility problems on {where}: {blocking}"
