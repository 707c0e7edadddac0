import pytest


@pytest.fixture
def client_moderator(client, moderator):
    """A test client logged in as a moderator."""
    client.force_login(moderator)
    return client
