"""The caption typeface of generated pictures draws Russian, not empty boxes."""

import io
import random

from PIL import Image, ImageDraw, ImageFont

from moderation.demo import demo_image
from moderation.insights.fonts import caption_font

RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю. Ёжик"
# A code point no font maps: it is drawn as the font's "missing glyph" box.
UNMAPPED = "\U0010fffd"
# The white strip demo pictures carry their caption on.
CAPTION_STRIP = (20, 530, 780, 580)


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> set[str]:
    """Return the letters of `text` that `font` draws as its missing-glyph box."""
    box = bytes(font.getmask(UNMAPPED))
    return {
        char for char in text if char.isalpha() and bytes(font.getmask(char)) == box
    }


def test_caption_font_draws_every_russian_letter():
    font = caption_font(28)

    assert missing_glyphs(font, RUSSIAN) == set()
    assert missing_glyphs(font, "абвгдеёжзийклмнопрстуфхцчшщъыьэюя".upper()) == set()


def test_missing_glyph_check_catches_a_font_without_cyrillic():
    # Pillow's built-in font, which the demo used before, has no Cyrillic.
    builtin = ImageFont.load_default(28)

    assert missing_glyphs(builtin, "Ёжик") == {"Ё", "ж", "и", "к"}


def caption_ink(picture: Image.Image) -> set[tuple[int, int]]:
    """Return the dark pixels of the caption strip at the bottom of a picture."""
    strip = picture.convert("L").crop(CAPTION_STRIP)
    width = strip.width
    return {
        (index % width, index // width)
        for index, value in enumerate(strip.get_flattened_data())
        if value < 128
    }


def test_demo_image_draws_its_caption_in_the_caption_font():
    caption = "Анна · Помыть посуду"
    expected = Image.new("RGB", (800, 600), "white")
    ImageDraw.Draw(expected).text(
        (36, 555), caption, fill="black", font=caption_font(28), anchor="lm"
    )

    picture = Image.open(io.BytesIO(demo_image(caption, random.Random(1))))

    drawn, wanted = caption_ink(picture), caption_ink(expected)
    assert len(drawn & wanted) > 0.8 * len(drawn | wanted)
