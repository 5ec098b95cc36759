"""Categories: a tree by `parent_id`.

Descendants and ancestors are found with a recursive CTE rather than a materialized path: a
store has tens to a few thousand categories, the CTE over them costs well under a millisecond
on PostgreSQL and SQLite alike, and moving a subtree stays a one-row update of `parent_id`
(a path column would have to be rewritten for the whole subtree and kept consistent).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Category, Product
from vitrina.catalog.schemas import (
    CategoryCreate,
    CategoryNode,
    CategoryOut,
    CategoryRef,
    CategoryUpdate,
)
from vitrina.catalog.slugs import as_id, check_slug, slugify, unique_slug
from vitrina.catalog.translations import (
    apply_translations,
    normalised,
    shown,
    slug_columns,
    slugs_of,
    stored_texts,
)
from vitrina.config import get_settings
from vitrina.db import Executor
from vitrina.errors import Conflict, NotFound, Unprocessable
from vitrina.kit.languages import LANGUAGES, Language
from vitrina.reads import fetch

_table: Table = Category.__table__  # type: ignore[assignment]
SLUGS = slug_columns(_table)


def _slug_is(key: Any) -> ColumnElement[bool]:
    """A slug in any language (they are unique across languages: `_slug_for`)."""
    return or_(*(column == key for column in SLUGS))


async def find_category(session: AsyncSession, id_or_slug: str | int) -> Category:
    """A category by id or by its slug in any language."""
    category_id = as_id(id_or_slug)
    if category_id is not None:
        category = await session.get(Category, category_id) if category_id else None
    else:
        category = await session.scalar(select(Category).where(_slug_is(id_or_slug)))
    if category is None:
        raise NotFound(f"Category {id_or_slug!r} not found.")
    return category


def _descendants_statement(by_id: bool) -> Select[int]:
    key: Any = bindparam("key")
    start = _table.c.id == key if by_id else _slug_is(key)
    tree = select(_table.c.id).where(start).cte("tree", recursive=True)
    tree = tree.union_all(select(_table.c.id).where(_table.c.parent_id == tree.c.id))
    return select(tree.c.id)


DESCENDANTS_BY_ID = _descendants_statement(by_id=True)
DESCENDANTS_BY_SLUG = _descendants_statement(by_id=False)


async def descendant_ids(executor: Executor, category: int | str) -> list[int]:
    """The category (by id or slug) and every category below it, in one query; 404 if none."""
    category_id = as_id(category)
    statement, key = (
        (DESCENDANTS_BY_SLUG, category) if category_id is None else (DESCENDANTS_BY_ID, category_id)
    )
    ids = [row["id"] for row in await fetch(executor, statement, {"key": key})]
    if not ids:
        raise NotFound(f"Category {category!r} not found.")
    return ids


def _breadcrumb_statement(language: Language) -> Select[int, str, str]:
    table = _table
    chain = (
        select(table.c.id, table.c.parent_id, literal(0).label("depth"))
        .where(table.c.id == bindparam("category_id"))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(table.c.id, table.c.parent_id, chain.c.depth + 1).where(
            table.c.id == chain.c.parent_id
        )
    )
    return (
        select(table.c.id, shown(table, "name", language), shown(table, "slug", language))
        .join(chain, chain.c.id == table.c.id)
        .order_by(chain.c.depth.desc())
    )


BREADCRUMBS = {language: _breadcrumb_statement(language) for language in LANGUAGES}
"""Built once per language (Core, a bound parameter): product pages run one on every request."""


def _language(language: Language | None) -> Language:
    return language or get_settings().store_language


async def breadcrumb(
    executor: Executor, category_id: int, language: Language | None = None
) -> list[CategoryRef]:
    """From the root down to the category itself, named in `language` (default: the
    store's)."""
    statement = BREADCRUMBS[_language(language)]
    rows = await fetch(executor, statement, {"category_id": category_id})
    return [CategoryRef(id=row["id"], name=row["name"], slug=row["slug"]) for row in rows]


async def category_tree(executor: Executor, language: Language | None = None) -> list[CategoryNode]:
    """Every category, nested, siblings by position then name, in `language`."""
    language = _language(language)
    table = _table
    name = shown(table, "name", language)
    categories = (
        await executor.execute(
            select(
                table.c.id,
                name,
                shown(table, "slug", language),
                shown(table, "description", language),
                table.c.position,
                table.c.parent_id,
            ).order_by(table.c.position, name)
        )
    ).all()
    nodes = {
        c.id: CategoryNode(
            id=c.id,
            name=c.name,
            slug=c.slug,
            description=c.description,
            position=c.position,
            parent_id=c.parent_id,
        )
        for c in categories
    }
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


async def subtree(
    session: AsyncSession, category: Category, language: Language | None = None
) -> CategoryNode:
    """The category with its subcategories nested below it, in `language`."""
    for root in await category_tree(session, language):
        found = _find_node(root, category.id)
        if found is not None:
            return found
    raise NotFound(f"Category {category.id} not found.")


def _find_node(node: CategoryNode, category_id: int) -> CategoryNode | None:
    if node.id == category_id:
        return node
    for child in node.children:
        found = _find_node(child, category_id)
        if found is not None:
            return found
    return None


async def _check_parent(session: AsyncSession, parent_id: int | None, self_id: int | None) -> None:
    if parent_id is None:
        return
    if await session.get(Category, parent_id) is None:
        raise Unprocessable(f"Parent category {parent_id} does not exist.")
    if self_id is not None and parent_id in await descendant_ids(session, self_id):
        raise Unprocessable("A category cannot be moved under itself or its own subcategory.")


async def _slug_for(
    session: AsyncSession, name: str, wanted: str | None, self_id: int | None
) -> str:
    """`wanted` checked, or one made from `name`; unique among every language's slugs."""
    if wanted is None:
        base = slugify(name, fallback="category")
        return await unique_slug(session, SLUGS, base, exclude_id=self_id)
    slug = check_slug(wanted)
    clash = exists().where(_slug_is(slug))
    if self_id is not None:
        clash = clash.where(Category.id != self_id)
    if await session.scalar(select(clash)):
        raise Conflict(f"Another category already uses the slug {slug!r}.", field="slug")
    return slug


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("Another category already uses this slug.") from exc


async def create_category(session: AsyncSession, data: CategoryCreate) -> Category:
    changes = normalised(data.model_dump(exclude_unset=True), get_settings().store_language)
    name = changes.get("name") or data.name
    await _check_parent(session, data.parent_id, None)
    category = Category(
        name=name,
        slug=await _slug_for(session, name, changes.get("slug"), None),
        parent_id=data.parent_id,
        description=changes.get("description") or "",
        position=data.position,
    )
    session.add(category)
    await _flush(session)
    await apply_translations(category, changes, partial(_slug_for, session))
    await _flush(session)
    return category


async def update_category(
    session: AsyncSession, category: Category, data: CategoryUpdate
) -> Category:
    changes = normalised(data.model_dump(exclude_unset=True), get_settings().store_language)
    if "parent_id" in changes:
        await _check_parent(session, changes["parent_id"], category.id)
        category.parent_id = changes["parent_id"]
    if changes.get("slug") is not None:
        category.slug = await _slug_for(session, category.name, changes["slug"], category.id)
    for field in ("name", "description", "position"):
        if changes.get(field) is not None:
            setattr(category, field, changes[field])
    await apply_translations(category, changes, partial(_slug_for, session))
    await _flush(session)
    return category


def category_out(node: CategoryNode, category: Category, trail: list[CategoryRef]) -> CategoryOut:
    """A category as the API shows it: `node` in the asked language, the text per language
    as stored, and its slug in each language."""
    store = get_settings().store_language
    texts = stored_texts(category, store)
    slugs = slugs_of(texts, category.slug)
    return CategoryOut(**node.model_dump(), **texts, breadcrumb=trail, slugs=slugs)


async def delete_category(session: AsyncSession, category: Category) -> None:
    """Refused while the category has products or subcategories: nothing is lost silently."""
    children = await session.scalar(
        select(func.count()).select_from(Category).where(Category.parent_id == category.id)
    )
    if children:
        raise Conflict(
            f"Category {category.slug!r} has {children} subcategories; move or delete them first."
        )
    if await session.scalar(select(exists().where(Product.category_id == category.id))):
        raise Conflict(
            f"Category {category.slug!r} still has products; move them to another category first."
        )
    await session.delete(category)
    await session.flush()
