import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_photo():
    name = default_storage.save(
        "reports/2027/03/01/kid.jpg", ContentFile(b"jpeg-bytes")
    )
    yield f"/private-media/{name}"
    default_storage.delete(name)


def test_private_photo_needs_login(client, report_photo):
    response = client.get(report_photo)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_private_photo_streams_to_moderator(client, report_photo):
    client.force_login(UserFactory(username="mod", role=roles.MODERATOR))

    response = client.get(report_photo)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"jpeg-bytes"
    assert response["Cache-Control"].startswith("private")


def test_private_photo_refused_without_permission(client, report_photo):
    client.force_login(UserFactory(username="nobody"))

    assert client.get(report_photo).status_code == 403


@pytest.mark.parametrize(
    "path", ["reports/../../../etc/passwd", "reports/missing.jpg", "other/file.txt"]
)
def test_private_media_refuses_unknown_and_traversal(client, admin_user, path):
    client.force_login(admin_user)

    assert client.get(f"/private-media/{path}").status_code in (403, 404)


def test_task_image_url_is_private():
    from tests.factories import TaskFactory

    task = TaskFactory(image=ContentFile(b"img", name="t.jpg"))

    assert task.image.url.startswith("/private-media/tasks/")


def test_s3_photo_links_are_signed_and_short_lived():
    """With S3 configured, a photo URL is a presigned link that expires in 5 minutes.

    Signing is local (no request to S3), so a real storage of the production
    settings can be asked in a separate process.
    """
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "AWS_STORAGE_BUCKET_NAME": "smena-private",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY": "example-secret-access-key",
        "AWS_S3_REGION_NAME": "eu-central-1",
    }
    code = (
        "from django.core.files.storage import default_storage as s;"
        "print(s.__class__.__name__, s.default_acl);"
        "print(s.url('reports/2027/03/01/kid.jpg'))"
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    storage, url = result.stdout.strip().splitlines()
    assert storage == "S3Storage private"
    assert url.startswith("https://smena-private.s3")
    assert "reports/2027/03/01/kid.jpg?" in url
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url
