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
