"""Reading uploaded files without holding more than the limit in memory."""

from __future__ import annotations

from fastapi import UploadFile

from vitrina.errors import PayloadTooLarge

CHUNK = 256 * 1024


async def read_limited(file: UploadFile, limit: int) -> bytes:
    """The file's bytes; 413 as soon as it proves larger than `limit`."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The file is larger than the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)
