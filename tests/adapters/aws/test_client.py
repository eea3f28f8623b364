"""The boto3 clients' timeouts fit in what is left of the deadline."""

from __future__ import annotations

import pytest

from scdiag_aws._client import AwsClients


@pytest.mark.parametrize(("remaining", "read", "connect"), [(None, 20.0, 5.0), (30.0, 20.0, 5.0), (7.5, 10.0, 5.0), (3.2, 5.0, 5.0), (1.5, 2.0, 2.0), (0.2, 1.0, 1.0)])
def test_a_client_waits_no_longer_than_the_deadline_allows(remaining: float | None, read: float, connect: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read and connect timeouts are the next step up from what remains (1, 2, 5, 10, 20 s), 20 s at most."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    config = AwsClients(region="us-east-1")("ecs", remaining).meta.config
    assert (config.read_timeout, config.connect_timeout) == (read, connect)


def test_clients_are_kept_per_service_and_timeout() -> None:
    """Asking again with the same budget reuses the client: no new connection pool per call."""
    clients = AwsClients(region="us-east-1")
    assert clients("ecs", 3.0) is clients("ecs", 4.0)
    assert clients("ecs", 3.0) is not clients("ecs", 12.0)
