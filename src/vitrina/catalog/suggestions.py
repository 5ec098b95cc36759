""" "Did you mean": a misspelt search corrected against the words of product names.

PostgreSQL finds each query word's nearest vocabulary words by trigram distance (pg_trgm's
`<->` over a GiST index on `search_words`, the approach its documentation gives for spelling
suggestions); SQLite reads the words of about the same length. Either way the candidate
kept is the closest by Damerau-Levenshtein distance (rapidfuzz), within one letter for words
of 4-5 letters and two for longer ones; shorter words are left as typed. The caller keeps a
correction only if it finds more than the query did.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import DamerauLevenshtein, Indel
from sqlalchemy import Integer, String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from vitrina.catalog.words import words_of
from vitrina.reads import fetch

MIN_CORRECTED = 4
NEAREST = 8

NEAREST_WORDS = text(
    "SELECT asked.word AS asked, near.word AS found "
    "FROM unnest(CAST(:words AS text[])) AS asked(word) CROSS JOIN LATERAL ("
    "SELECT word FROM search_words ORDER BY word <-> asked.word LIMIT :nearest) AS near"
).bindparams(bindparam("words", type_=ARRAY(String)), bindparam("nearest", type_=Integer))
WORDS_OF_LENGTH = text(
    "SELECT word AS found FROM search_words WHERE length(word) BETWEEN :shortest AND :longest"
).bindparams(bindparam("shortest", type_=Integer), bindparam("longest", type_=Integer))


def allowed_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def closest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate nearest to `word` within its allowed edits (ties: the more similar
    spelling, then alphabetical), `word` itself if it is one, else None."""
    if word in candidates:
        return word
    limit = allowed_edits(word)
    scored = [
        (distance, -Indel.normalized_similarity(word, candidate), candidate)
        for candidate in candidates
        if (distance := DamerauLevenshtein.distance(word, candidate, score_cutoff=limit)) <= limit
    ]
    return min(scored)[2] if scored else None


async def _candidates(executor: AsyncConnection, words: list[str]) -> dict[str, list[str]]:
    if executor.dialect.name == "postgresql":
        rows = await fetch(executor, NEAREST_WORDS, {"words": words, "nearest": NEAREST})
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row["asked"], []).append(row["found"])
        return found
    lengths = [len(word) for word in words]
    rows = await fetch(
        executor, WORDS_OF_LENGTH, {"shortest": min(lengths) - 2, "longest": max(lengths) + 2}
    )
    vocabulary = [row["found"] for row in rows]
    return {word: vocabulary for word in words}


async def correction(executor: AsyncConnection, query: str) -> str | None:
    """The query with its misspelt words replaced by the nearest known ones; None when no
    word changed."""
    words = words_of(query)
    wanted = sorted({w for w in words if len(w) >= MIN_CORRECTED and not w.isdigit()})
    if not wanted:
        return None
    candidates = await _candidates(executor, wanted)
    corrected = [
        (closest(word, candidates.get(word, [])) or word) if word in wanted else word
        for word in words
    ]
    return " ".join(corrected) if corrected != words else None
