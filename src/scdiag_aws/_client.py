"""boto3 clients with botocore's own retries turned off (cloud_call is the only retry loop)."""

from __future__ import annotations

from typing import Any

__all__ = ["AwsClients"]

_READ_TIMEOUTS = (1.0, 2.0, 5.0, 10.0, 20.0)
"""Seconds a call may wait for its answer; a client is kept for each."""


class AwsClients:
    """Lazily built clients of one session and region.

    The standard credential chain applies (environment, profile, SSO, web
    identity, instance role), and so do the endpoint overrides
    ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``, so LocalStack or
    moto work without code changes.
    """

    def __init__(self, region: str | None = None, session: Any = None) -> None:
        self._region = region
        self._session = session
        self._clients: dict[tuple[str, float], Any] = {}

    def __call__(self, service: str, remaining: float | None = None) -> Any:
        """The client of ``service`` (``ecs``, ``logs``, ``cloudwatch``, ``elbv2``, ``sts``).

        ``remaining`` is what is left of the deadline: the client's read and
        connect timeouts fit in it (to the next of 1, 2, 5, 10 or 20 s), so one
        unanswered call cannot outlast the collection.
        """
        budget = _READ_TIMEOUTS[-1] if remaining is None else next((t for t in _READ_TIMEOUTS if t >= remaining), _READ_TIMEOUTS[-1])
        key = (service, budget)
        if key not in self._clients:
            import boto3
            from botocore.config import Config

            session: Any = self._session or boto3.session.Session()
            config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=min(5.0, budget), read_timeout=budget)
            self._clients[key] = session.client(service, region_name=self._region, config=config)
        return self._clients[key]

    @property
    def region(self) -> str | None:
        """The region the clients use."""
        if self._region:
            return self._region
        return getattr(self("sts").meta, "region_name", None)
