"""Product images: checked by decoding them, stored under MEDIA_DIR, served at /media/.

The uploaded bytes are kept as sent once Pillow has decoded them fully as JPEG, PNG or WebP;
the file name is generated, never taken from the client. The file is written before the row
(so a committed row always has its file) and removed again if the transaction rolls back.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product, ProductImage
from vitrina.catalog.slugs import as_id
from vitrina.config import get_settings
from vitrina.errors import NotFound, PayloadTooLarge, Unprocessable, VitrinaError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


class UnsupportedImage(VitrinaError):
    status_code = 415
    default_detail = "Upload a JPEG, PNG or WebP image."


@dataclass(frozen=True)
class DecodedImage:
    content_type: str
    extension: str
    width: int
    height: int


def decode_image(data: bytes) -> DecodedImage:
    """Decode the whole image; anything Pillow cannot read as JPEG/PNG/WebP is refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image.load()
                kind, size = image.format, image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnsupportedImage() from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedImage(f"The image could not be decoded: {exc}") from None
    if kind not in FORMATS:
        raise UnsupportedImage()
    content_type, extension = FORMATS[kind]
    return DecodedImage(content_type, extension, size[0], size[1])


def media_path(relative: str) -> Path:
    return get_settings().media_dir / relative


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


_WRITTEN = "vitrina.catalog.images.written"
"""`Session.info` key: files written in the session's current transaction."""


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _remove_written_files(session: Session) -> None:
    remove_files(session.info.pop(_WRITTEN, []))


async def add_image(
    session: AsyncSession, product: Product, data: bytes, *, alt: str = ""
) -> ProductImage:
    if len(data) > get_settings().max_upload_bytes:
        raise PayloadTooLarge(f"The image is larger than {get_settings().max_upload_bytes} bytes.")
    if len(alt) > 300:
        raise Unprocessable("Alt text is at most 300 characters.")
    decoded = await asyncio.to_thread(decode_image, data)
    relative = f"products/{product.id}/{secrets.token_hex(12)}.{decoded.extension}"
    await asyncio.to_thread(_write, media_path(relative), data)
    session.sync_session.info.setdefault(_WRITTEN, []).append(relative)
    last = await session.scalar(
        select(func.max(ProductImage.position)).where(ProductImage.product_id == product.id)
    )
    image = ProductImage(
        product_id=product.id,
        path=relative,
        alt=alt,
        content_type=decoded.content_type,
        width=decoded.width,
        height=decoded.height,
        position=(last if last is not None else -1) + 1,
    )
    session.add(image)
    await session.flush()
    return image


async def get_image(session: AsyncSession, product: Product, image_id: int) -> ProductImage:
    image = await session.get(ProductImage, image_id) if as_id(image_id) else None
    if image is None or image.product_id != product.id:
        raise NotFound(f"Image {image_id} of product {product.id} not found.")
    return image


async def reorder_images(session: AsyncSession, product: Product, image_ids: list[int]) -> None:
    """Positions follow `image_ids`, which must name every image of the product once."""
    images = {
        i.id: i
        for i in await session.scalars(
            select(ProductImage).where(ProductImage.product_id == product.id)
        )
    }
    if sorted(image_ids) != sorted(images):
        raise Unprocessable(
            f"image_ids must list each image of the product exactly once: {sorted(images)}."
        )
    for position, image_id in enumerate(image_ids):
        images[image_id].position = position
    await session.flush()


async def delete_image(session: AsyncSession, image: ProductImage) -> str:
    """Delete the row; returns the file's path for removal once the transaction commits."""
    await session.delete(image)
    await session.flush()
    return image.path


def remove_files(paths: list[str]) -> None:
    """Best effort: a file left behind wastes space, nothing more."""
    for relative in paths:
        media_path(relative).unlink(missing_ok=True)
