import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.models import Task

pytestmark = pytest.mark.django_db

ADD = reverse("admin:core_task_add")


@pytest.fixture
def staff(client, coordinator):
    client.force_login(coordinator)
    return client


def task_form(image: SimpleUploadedFile) -> dict:
    return {"title": "Wash the dishes", "description": "All of them.", "image": image}


def png_with_exif(size: tuple[int, int]) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: stands for any metadata a phone writes
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format="PNG", exif=exif)
    return SimpleUploadedFile("task.png", buffer.getvalue(), "image/png")


def test_task_image_is_re_encoded_without_metadata(staff):
    staff.post(ADD, task_form(png_with_exif((3000, 1500))))

    task = Task.objects.get()
    assert task.image.name.endswith(".jpg")
    with Image.open(task.image) as image:
        assert (image.format, max(image.size)) == ("JPEG", 2560)
        assert not image.getexif()


def test_task_image_with_too_many_pixels_is_refused(staff, settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100

    response = staff.post(ADD, task_form(png_with_exif((101, 100))))

    assert response.status_code == 200
    assert "The photo has too many pixels." in response.content.decode()
    assert not Task.objects.exists()


def test_task_image_over_the_byte_limit_is_refused(staff, settings):
    settings.IMAGE_MAX_BYTES = 1024 * 1024
    noise = io.BytesIO()
    Image.effect_noise((1200, 1200), 100).save(noise, format="PNG")
    upload = SimpleUploadedFile("task.png", noise.getvalue(), "image/png")
    assert upload.size > settings.IMAGE_MAX_BYTES

    response = staff.post(ADD, task_form(upload))

    assert response.status_code == 200
    assert "The photo is larger than 1 MB." in response.content.decode()
    assert not Task.objects.exists()


def test_task_image_that_is_no_image_is_refused(staff):
    upload = SimpleUploadedFile("task.jpg", b"<?php echo 1; ?>", "image/jpeg")

    response = staff.post(ADD, task_form(upload))

    assert response.status_code == 200
    assert "Upload a valid image." in response.content.decode()
    assert not Task.objects.exists()
