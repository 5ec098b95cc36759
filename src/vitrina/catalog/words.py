"""Words of a search and of product names: splitting, stemming (for SQLite's LIKE search)
and the vocabulary that "Did you mean" corrects against (`search_words`).

Stems come from the Snowball stemmers, the same algorithms PostgreSQL's `russian`
configuration uses: Russian for Cyrillic words, English for the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import snowballstemmer
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import SearchWord

WORD = re.compile(r"[^\W_]+")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_WORDS = 20
MIN_VOCABULARY_WORD, MAX_VOCABULARY_WORD = 3, 100
_ENGLISH = snowballstemmer.stemmer("english")
_RUSSIAN = snowballstemmer.stemmer("russian")


def words_of(text: str) -> list[str]:
    """The words of `text`, lower-cased, at most MAX_WORDS."""
    return [word.lower() for word in WORD.findall(text)][:MAX_WORDS]


def has_words(text: str) -> bool:
    return WORD.search(text) is not None


def like_stem(word: str) -> str:
    """The start that the forms of `word` share ("наушников" -> "наушник", "chairs" ->
    "chair"), for a LIKE '%...%' match; the word itself when its stem is too short."""
    stemmer = _RUSSIAN if CYRILLIC.search(word) else _ENGLISH
    stem = stemmer.stemWord(word)
    length = 0
    while length < min(len(word), len(stem)) and word[length] == stem[length]:
        length += 1
    shared = word[:length]
    return shared if len(shared) >= MIN_VOCABULARY_WORD else word


def vocabulary_of(texts: Iterable[str | None]) -> set[str]:
    """The words of `texts` worth correcting towards: letters, 3 to 100 of them."""
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(
                word
                for word in words_of(text)
                if MIN_VOCABULARY_WORD <= len(word) <= MAX_VOCABULARY_WORD and not word.isdigit()
            )
    return found


async def record_words(session: AsyncSession, texts: Iterable[str | None]) -> None:
    """Add the words of `texts` (product names) to the vocabulary. Words are inserted in
    sorted order, so two writers adding the same new words never deadlock."""
    words = sorted(vocabulary_of(texts))
    if not words:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(words), 5000):
        rows = [{"word": word} for word in words[start : start + 5000]]
        await session.execute(insert(SearchWord).values(rows).on_conflict_do_nothing())
