"""Made-up snapshots for demo tasks and photo reports."""

import io
import random

from PIL import Image, ImageDraw

from moderation.insights.fonts import caption_font

CAPTION_SIZE = 28


def demo_image(
    label: str, rng: random.Random, size: tuple[int, int] = (800, 600)
) -> bytes:
    """Draw a JPEG that looks like a snapshot: a gradient, shapes and a caption."""
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top, bottom = (
        tuple(rng.randrange(60, 230) for _ in range(3)),
        tuple(rng.randrange(20, 200) for _ in range(3)),
    )
    for y in range(size[1]):
        mix = y / size[1]
        draw.line(
            [(0, y), (size[0], y)],
            fill=tuple(
                int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)
            ),
        )
    for _ in range(rng.randrange(3, 8)):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        radius = rng.randrange(30, 160)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    draw.rectangle([20, size[1] - 70, size[0] - 20, size[1] - 20], fill=(255, 255, 255))
    draw.text(
        (36, size[1] - 45),
        label,
        fill=(20, 20, 20),
        font=caption_font(CAPTION_SIZE),
        anchor="lm",
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
