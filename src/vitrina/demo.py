"""What `vitrina demo` prepares before serving: demo accounts and a demo catalog."""

from __future__ import annotations

from vitrina.config import Settings


async def prepare_demo(settings: Settings, *, products: int) -> None:
    """Filled in as features land: demo staff and customer accounts, then the catalog."""
    _ = (settings, products)
