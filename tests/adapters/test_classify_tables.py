"""Each adapter's classify, as a table: the SDK's own exception in, scdiag's error out.

What is retried (throttling with its Retry-After, 5xx, dropped connections),
what names a permission, and what is left alone is decided here; the rows are
built from the real SDK exception classes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scdiag.errors import AccessDeniedError, CloudError, InvalidRequestError, NotFoundError, ThrottledError, TransientCloudError


def _expect(error: CloudError | None, kind: type[CloudError] | None, status: Any = None, retry_after: float | None = None, permission: str | None = None) -> None:
    if kind is None:
        assert error is None
        return
    assert type(error) is kind, f"{type(error).__name__} is not {kind.__name__}"
    assert error is not None
    if status is not None:
        assert error.status == status
    if retry_after is not None:
        assert isinstance(error, ThrottledError) and error.retry_after == retry_after
    if permission is not None:
        assert isinstance(error, AccessDeniedError) and error.permission == permission


# -- AWS (botocore) --------------------------------------------------------------------


def _client_error(code: str, status: int, headers: dict[str, str] | None = None) -> Any:
    from botocore.exceptions import ClientError

    response = {"Error": {"Code": code, "Message": f"{code} happened"}, "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}}}
    return ClientError(response, "DescribeServices")  # type: ignore[arg-type]


def _aws_rows() -> list[tuple[str, Any, type[CloudError] | None, dict[str, Any]]]:
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, NoCredentialsError, NoRegionError, ReadTimeoutError, TokenRetrievalError

    return [
        ("throttled, with Retry-After", _client_error("ThrottlingException", 400, {"retry-after": "3"}), ThrottledError, {"status": "ThrottlingException", "retry_after": 3.0}),
        ("429 of any code", _client_error("Whatever", 429), ThrottledError, {}),
        ("5xx", _client_error("ServiceUnavailableException", 503), TransientCloudError, {"status": "ServiceUnavailableException"}),
        ("denied names the IAM action", _client_error("AccessDeniedException", 400), AccessDeniedError, {"permission": "ecs:DescribeServices"}),
        ("expired session", _client_error("ExpiredTokenException", 400), AccessDeniedError, {}),
        ("not found", _client_error("ClusterNotFoundException", 400), NotFoundError, {}),
        ("another client error", _client_error("InvalidParameterException", 400), InvalidRequestError, {}),
        ("read timeout", ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), TransientCloudError, {}),
        ("connect timeout", ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"), TransientCloudError, {}),
        ("no endpoint", EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), TransientCloudError, {}),
        ("no credentials", NoCredentialsError(), CloudError, {}),
        ("SSO token gone", TokenRetrievalError(provider="sso", error_msg="expired"), AccessDeniedError, {}),
        ("no region", NoRegionError(), CloudError, {}),
        ("not botocore's", ValueError("x"), None, {}),
    ]


@pytest.mark.parametrize(("error", "kind", "expected"), [row[1:] for row in _aws_rows()], ids=[row[0] for row in _aws_rows()])
def test_aws_classify(error: BaseException, kind: type[CloudError] | None, expected: dict[str, Any]) -> None:
    from scdiag_aws._errors import classify

    _expect(classify(error, operation="DescribeServices", permission="ecs:DescribeServices"), kind, **expected)


# -- Google ------------------------------------------------------------------------------


class _Response:
    """The parts of an HTTP response the SDK exceptions keep: status, reason, headers, body."""

    def __init__(self, status: int, headers: dict[str, str] | None = None, body: dict[str, Any] | None = None) -> None:
        self.status_code = status
        self.status = status
        self.reason = "Reason"
        self.headers = headers or {}
        self._body = json.dumps(body or {})
        self.content_type = "application/json"

    def text(self, encoding: str | None = None) -> str:
        return self._body

    def body(self) -> bytes:
        return self._body.encode()


def _google_rows() -> list[tuple[str, Any, type[CloudError] | None, dict[str, Any]]]:
    import requests
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    throttled = api.TooManyRequests("quota", response=_Response(429, {"Retry-After": "7"}))
    return [
        ("429 with Retry-After", throttled, ThrottledError, {"status": 429, "retry_after": 7.0}),
        ("5xx", api.ServiceUnavailable("down"), TransientCloudError, {"status": 503}),
        ("403 names the permission", api.PermissionDenied("no"), AccessDeniedError, {"status": 403, "permission": "run.services.get"}),
        ("401", api.Unauthenticated("expired"), AccessDeniedError, {"status": 401}),
        ("404", api.NotFound("gone"), NotFoundError, {"status": 404}),
        ("other 4xx", api.BadRequest("bad"), InvalidRequestError, {"status": 400}),
        ("retries exhausted", api.RetryError("gave up", cause=None), TransientCloudError, {}),
        ("refused refresh", auth.RefreshError("invalid_grant"), AccessDeniedError, {}),
        ("token endpoint failing", auth.RefreshError("503", retryable=True), TransientCloudError, {}),
        ("transport", auth.TransportError("reset"), TransientCloudError, {}),
        ("requests' connection error", requests.exceptions.ConnectionError("refused"), TransientCloudError, {}),
        ("not Google's", KeyError("x"), None, {}),
    ]


@pytest.mark.parametrize(("error", "kind", "expected"), [row[1:] for row in _google_rows()], ids=[row[0] for row in _google_rows()])
def test_gcp_classify(error: BaseException, kind: type[CloudError] | None, expected: dict[str, Any]) -> None:
    from scdiag_gcp._errors import classify

    _expect(classify(error, operation="run.services.get", permission="run.services.get"), kind, **expected)


# -- Kubernetes --------------------------------------------------------------------------


def _api_exception(status: int, headers: dict[str, str] | None = None) -> Any:
    from kubernetes.client.exceptions import ApiException

    error = ApiException(status=status, reason="Reason")
    error.headers = headers or {}
    return error


def _kubernetes_rows() -> list[tuple[str, Any, type[CloudError] | None, dict[str, Any]]]:
    from urllib3.exceptions import NewConnectionError, ReadTimeoutError

    return [
        ("429 with Retry-After", _api_exception(429, {"Retry-After": "2"}), ThrottledError, {"status": 429, "retry_after": 2.0}),
        ("5xx", _api_exception(500), TransientCloudError, {"status": 500}),
        ("403 names the RBAC rule", _api_exception(403), AccessDeniedError, {"status": 403, "permission": "list pods"}),
        ("401", _api_exception(401), AccessDeniedError, {"status": 401}),
        ("404", _api_exception(404), NotFoundError, {"status": 404}),
        ("other 4xx", _api_exception(422), InvalidRequestError, {"status": 422}),
        ("read timeout", ReadTimeoutError(None, "/api/v1/pods", "timed out"), TransientCloudError, {}),  # type: ignore[arg-type]
        ("refused connection", NewConnectionError(None, "refused"), TransientCloudError, {}),  # type: ignore[arg-type]
        ("not the client's", RuntimeError("x"), None, {}),
    ]


@pytest.mark.parametrize(("error", "kind", "expected"), [row[1:] for row in _kubernetes_rows()], ids=[row[0] for row in _kubernetes_rows()])
def test_kubernetes_classify(error: BaseException, kind: type[CloudError] | None, expected: dict[str, Any]) -> None:
    from scdiag_k8s._errors import classify

    _expect(classify(error, operation="list_namespaced_pod", permission="list pods"), kind, **expected)


# -- Azure -------------------------------------------------------------------------------


def _http_error(status: int, headers: dict[str, str] | None = None, code: str = "") -> Any:
    from azure.core.exceptions import HttpResponseError

    body = {"error": {"code": code, "message": "m"}} if code else {}
    return HttpResponseError(response=_Response(status, headers, body))  # type: ignore[arg-type]


def _azure_rows() -> list[tuple[str, Any, type[CloudError] | None, dict[str, Any]]]:
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError

    return [
        ("429 with Retry-After", _http_error(429, {"Retry-After": "5"}), ThrottledError, {"status": 429, "retry_after": 5.0}),
        ("5xx", _http_error(502), TransientCloudError, {"status": 502}),
        ("403 names the role", _http_error(403, code="AuthorizationFailed"), AccessDeniedError, {"status": 403, "permission": "Reader"}),
        ("401", _http_error(401), AccessDeniedError, {"status": 401}),
        ("404", _http_error(404, code="ResourceNotFound"), NotFoundError, {"status": 404}),
        ("other 4xx", _http_error(400, code="InvalidParameter"), InvalidRequestError, {"status": 400}),
        ("no token at all", ClientAuthenticationError(message="DefaultAzureCredential failed"), AccessDeniedError, {}),
        ("request not sent", ServiceRequestError("refused"), TransientCloudError, {}),
        ("response cut", ServiceResponseError("reset"), TransientCloudError, {}),
        ("not azure-core's", TypeError("x"), None, {}),
    ]


@pytest.mark.parametrize(("error", "kind", "expected"), [row[1:] for row in _azure_rows()], ids=[row[0] for row in _azure_rows()])
def test_azure_classify(error: BaseException, kind: type[CloudError] | None, expected: dict[str, Any]) -> None:
    from scdiag_azure._errors import classify

    _expect(classify(error, operation="containerApps.get", permission="Reader"), kind, **expected)
