"""boto3 clients with botocore's own retries turned off (cloud_call is the only retry loop)."""

from __future__ import annotations

from typing import Any

__all__ = ["AwsClients"]


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
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        """The client of ``service`` (``ecs``, ``logs``, ``cloudwatch``, ``elbv2``, ``sts``)."""
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            session: Any = self._session or boto3.session.Session()
            config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=20)
            self._clients[service] = session.client(service, region_name=self._region, config=config)
        return self._clients[service]

    @property
    def region(self) -> str | None:
        """The region the clients use."""
        if self._region:
            return self._region
        return getattr(self("sts").meta, "region_name", None)
