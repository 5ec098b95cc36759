"""Image upload: decoded before it is kept, size-limited, served at /media/."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from vitrina.config import get_settings


def _image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 30)).save(buffer, format=kind)
    return buffer.getvalue()


async def test_upload_reorder_and_delete_images(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product
) -> None:
    product = await make_product()
    url = f"/api/v1/products/{product.id}/images"
    first = await client.post(
        url,
        files={"file": ("a.png", _image_bytes("PNG"), "image/png")},
        data={"alt": "Front"},
        headers=staff_headers,
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        url,
        files={"file": ("b.bin", _image_bytes("WEBP"), "application/octet-stream")},
        headers=staff_headers,
    )
    image = first.json()
    assert (image["width"], image["height"], image["alt"]) == (40, 30, "Front")
    assert second.json()["content_type"] == "image/webp" and second.json()["position"] == 1
    served = await client.get(image["url"])
    assert served.status_code == 200 and served.content == _image_bytes("PNG")

    ids = [second.json()["id"], image["id"]]
    reordered = await client.put(f"{url}/order", json={"image_ids": ids}, headers=staff_headers)
    assert [i["id"] for i in reordered.json()["images"]] == ids
    wrong = await client.put(f"{url}/order", json={"image_ids": ids[:1]}, headers=staff_headers)
    assert wrong.status_code == 422
    listed = (await client.get("/api/v1/products")).json()["items"][0]
    assert listed["thumbnail"]["id"] == ids[0]

    deleted = await client.delete(f"{url}/{image['id']}", headers=staff_headers)
    assert deleted.status_code == 204
    assert (await client.get(image["url"])).status_code == 404
    page = (await client.get(f"/api/v1/products/{product.id}")).json()
    assert [i["id"] for i in page["images"]] == [ids[0]]


async def test_non_images_and_oversize_files_are_refused(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product
) -> None:
    product = await make_product()
    url = f"/api/v1/products/{product.id}/images"
    for name, content in [
        ("fake.png", b"\x89PNG\r\n\x1a\n not really"),
        ("doc.txt", b"hello"),
        ("anim.gif", _image_bytes("GIF")),
        ("cut.jpg", _image_bytes("JPEG")[:200]),
    ]:
        response = await client.post(
            url, files={"file": (name, content, "image/png")}, headers=staff_headers
        )
        assert response.status_code == 415, (name, response.text)
    limit = get_settings().max_upload_bytes
    huge = await client.post(
        url, files={"file": ("big.png", b"\0" * (limit + 1), "image/png")}, headers=staff_headers
    )
    assert huge.status_code == 413
    page = (await client.get(f"/api/v1/products/{product.id}")).json()
    assert page["images"] == []


async def test_a_rolled_back_upload_leaves_no_file_and_a_committed_one_keeps_it(
    session, make_product
) -> None:
    from vitrina.catalog import images
    from vitrina.catalog.models import Product

    product_id = (await make_product()).id
    product = await session.get(Product, product_id)
    dropped = (await images.add_image(session, product, _image_bytes("PNG"))).path
    assert images.media_path(dropped).exists()
    await session.rollback()
    assert not images.media_path(dropped).exists()

    product = await session.get(Product, product_id)
    kept = (await images.add_image(session, product, _image_bytes("JPEG"))).path
    await session.commit()
    assert images.media_path(kept).exists()
    await session.rollback()  # a later rollback does not touch what was committed
    assert images.media_path(kept).exists()
