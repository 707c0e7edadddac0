"""The typeface of text drawn into generated pictures (the demo's photos and tasks).

Source Sans Pro comes from the `font-source-sans-pro` package, installed with the
project, so Cyrillic captions render on any machine: Pillow's built-in font has
no Cyrillic, and a fresh machine may have no system fonts at all.
"""

import functools
from importlib import resources

from PIL import ImageFont

FONT_PACKAGE = "font_source_sans_pro"
FONT_FILE = "SourceSansPro-Semibold.ttf"


@functools.cache
def caption_font(size: int) -> ImageFont.FreeTypeFont:
    """Return the caption typeface at `size` pixels (loaded once per size)."""
    path = resources.files(FONT_PACKAGE) / "files" / FONT_FILE
    return ImageFont.truetype(str(path), size)
