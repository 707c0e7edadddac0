"""Photos staff attach to mailings: checked, shrunk and re-encoded before storing."""

import io
import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps


def photo_prepare(upload: UploadedFile) -> ContentFile:
    """Return the upload as a JPEG within the size limits, or raise ValidationError.

    Re-encoding drops whatever else the file carried (metadata, other frames).
    """
    if upload.size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The photo is larger than %(limit)d MB.")
            % {"limit": settings.IMAGE_MAX_BYTES // (1024 * 1024)}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            image = Image.open(upload)
            if image.width * image.height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."))
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise ValidationError(_("The file is not a photo we can read.")) from error
    image.thumbnail((settings.IMAGE_MAX_SIDE, settings.IMAGE_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    name = os.path.splitext(os.path.basename(upload.name or "photo"))[0] + ".jpg"
    return ContentFile(buffer.getvalue(), name=name)
