import io

import imagehash
import pytest
from PIL import Image

from core.exceptions import PhotoTooLarge, PhotoUnreadable
from core.images import (
    hash_distance,
    image_prepare,
    image_size_check,
    perceptual_hash,
)
from tests.fakes.telegram_api import make_jpeg


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_prepare_reencodes_as_jpeg():
    prepared = image_prepare(png(40, 30))

    image = Image.open(io.BytesIO(prepared.content))
    assert image.format == "JPEG"
    assert (prepared.width, prepared.height) == (40, 30)


def test_image_prepare_drops_exif():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    buffer = io.BytesIO()
    Image.open(io.BytesIO(make_jpeg(1))).save(buffer, format="JPEG", exif=exif)

    prepared = image_prepare(buffer.getvalue())

    assert not Image.open(io.BytesIO(prepared.content)).getexif()
    assert b"SecretCam" not in prepared.content


def test_image_prepare_scales_down_to_max_side(settings):
    settings.IMAGE_MAX_SIDE = 50

    prepared = image_prepare(png(200, 100))

    assert (prepared.width, prepared.height) == (50, 25)


def test_image_prepare_refuses_too_many_bytes(settings):
    settings.IMAGE_MAX_BYTES = 100

    with pytest.raises(PhotoTooLarge):
        image_prepare(png(64, 64))


def test_image_prepare_refuses_too_many_pixels_before_decoding(settings):
    settings.IMAGE_MAX_PIXELS = 1000

    with pytest.raises(PhotoTooLarge):
        image_prepare(png(100, 100))


@pytest.mark.parametrize("content", [b"", b"%PDF-1.4 not an image", make_jpeg(1)[:200]])
def test_image_prepare_refuses_unreadable_files(content):
    with pytest.raises(PhotoUnreadable):
        image_prepare(content)


def test_image_size_check_refuses_declared_size(settings):
    settings.IMAGE_MAX_BYTES = 10

    with pytest.raises(PhotoTooLarge):
        image_size_check(11)
    image_size_check(None)
    image_size_check(10)


def test_image_prepare_hash_survives_recompression():
    buffer = io.BytesIO()
    Image.open(io.BytesIO(make_jpeg(3))).save(buffer, format="JPEG", quality=30)

    original, copy = image_prepare(make_jpeg(3)), image_prepare(buffer.getvalue())

    assert hash_distance(original.phash, copy.phash) <= 6
    assert hash_distance(original.phash, image_prepare(make_jpeg(4)).phash) > 6


def photo(seed: int, size: tuple[int, int]) -> Image.Image:
    """A photo-like picture: smooth colour areas, different for each seed."""
    grid = Image.new("RGB", (8, 6))
    grid.putdata(
        [
            ((seed * 37 + i * 53) % 256, (i * 91) % 256, (seed + i * 17) % 256)
            for i in range(48)
        ]
    )
    return grid.resize(size, Image.Resampling.BICUBIC)


@pytest.mark.parametrize("seed", range(6))
def test_perceptual_hash_of_a_large_picture_stays_near_phash(seed):
    picture = photo(seed, (1280, 960))

    fast = perceptual_hash(picture)

    assert hash_distance(fast, str(imagehash.phash(picture))) <= 4


def test_perceptual_hash_of_a_small_picture_is_phash():
    picture = photo(1, (400, 300))

    assert perceptual_hash(picture) == str(imagehash.phash(picture))


def test_image_prepare_turns_the_picture_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotated 90 degrees clockwise
    buffer = io.BytesIO()
    photo(2, (80, 40)).save(buffer, format="JPEG", exif=exif)

    prepared = image_prepare(buffer.getvalue())

    assert (prepared.width, prepared.height) == (40, 80)
    assert "exif" not in Image.open(io.BytesIO(prepared.content)).info
