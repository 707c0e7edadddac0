import pytest

from core.models import Shift
from moderation.cycle.clock import tick
from moderation.review.reviews import report_approve, report_decline
from tests.factories import report_under_review
from tests.moderation.days import at, make_shift, members_of, refreshed, report_of

S3_BUCKET = "smena-private"
S3_REGION = "eu-central-1"


@pytest.fixture
def client_moderator(client, moderator):
    """A test client logged in as a moderator."""
    client.force_login(moderator)
    return client


@pytest.fixture(params=["filesystem", "s3"])
def photo_storage(request, settings):
    """Private storage as deployed: files in a temporary directory (the test
    settings), or a private S3 bucket (moto's in-process S3, as django-storages
    talks to it through boto3). Yields the storage."""
    from django.core.files.storage import default_storage

    if request.param == "filesystem":
        yield default_storage
        return
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name=S3_REGION).create_bucket(
            Bucket=S3_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": S3_REGION},
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": S3_BUCKET,
                    "region_name": S3_REGION,
                    "access_key": "AKIAEXAMPLEKEY",
                    "secret_key": "example-secret-access-key",
                    "default_acl": "private",
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
        }
        yield default_storage


@pytest.fixture
def finished(admin_user) -> Shift:
    """A shift run by the tick: two members, three photos on day 1 (one declined
    and sent again, all approved in the end), finished after its last day."""
    shift = make_shift()
    first, second = members_of(shift, 2, admin_user)
    tick(now=at(shift, 1, 8))
    noon = at(shift, 1, 12)
    report_under_review(report_of(first, 1), at=noon)
    report_under_review(report_of(second, 1), at=noon)
    report_approve(report_of(first, 1), by=admin_user, now=noon)
    report_decline(report_of(second, 1), by=admin_user, reason="Blurred.", now=noon)
    report_under_review(report_of(second, 1), at=noon)
    report_approve(report_of(second, 1), by=admin_user, now=noon)
    tick(now=at(shift, 6, 8))
    return refreshed(shift)
