"""Mapping botocore's exceptions onto scdiag's error tree."""

from __future__ import annotations

from scdiag.errors import AccessDeniedError, CloudError, InvalidRequestError, NotFoundError, ThrottledError, TransientCloudError

__all__ = ["classify"]

_PROVIDER = "aws"
_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
}
_TRANSIENT = {"InternalError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException", "ServerException", "RequestTimeout", "RequestTimeoutException"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException"}
_NOT_FOUND = {"ResourceNotFoundException", "ClusterNotFoundException", "ServiceNotFoundException", "TargetGroupNotFound", "NotFoundException"}


def classify(error: BaseException, *, operation: str = "", permission: str | None = None) -> CloudError | None:
    """The scdiag error for a botocore exception, or ``None`` to leave it alone.

    Retried (by ``cloud_call``): throttling, 5xx, timeouts, dropped
    connections. Never retried: access denied (naming the IAM action),
    not found, other client errors.
    """
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ReadTimeoutError,
        SSOError,
        TokenRetrievalError,
    )

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        message = str(details.get("Message", "")) or str(error)
        metadata = error.response.get("ResponseMetadata", {})
        status = int(metadata.get("HTTPStatusCode") or 0)
        text = f"{operation}: {code}: {message}"
        if code in _THROTTLING or status == 429:
            headers = metadata.get("HTTPHeaders", {}) or {}
            retry_after = headers.get("retry-after") or headers.get("x-amz-retry-after")
            seconds = float(retry_after) if retry_after and str(retry_after).replace(".", "", 1).isdigit() else None
            return ThrottledError(text, provider=_PROVIDER, operation=operation, status=code or status, retry_after=seconds)
        if code in _TRANSIENT or status >= 500:
            return TransientCloudError(text, provider=_PROVIDER, operation=operation, status=code or status)
        if code in _DENIED or status == 403:
            if code.startswith("Expired"):
                text = f"{operation}: the AWS session has expired (refresh it, e.g. aws sso login)"
            return AccessDeniedError(text, provider=_PROVIDER, operation=operation, status=code or status, permission=permission)
        if code in _NOT_FOUND or status == 404:
            return NotFoundError(text, provider=_PROVIDER, operation=operation, status=code or status)
        return InvalidRequestError(text, provider=_PROVIDER, operation=operation, status=code or status)
    if isinstance(error, (ReadTimeoutError, ConnectTimeoutError, ConnectionClosedError, EndpointConnectionError)):
        return TransientCloudError(f"{operation}: {error}", provider=_PROVIDER, operation=operation)
    if isinstance(error, NoCredentialsError):
        return CloudError("no AWS credentials found (environment, profile, SSO, web identity or instance role)", provider=_PROVIDER, operation=operation)
    if isinstance(error, (SSOError, TokenRetrievalError)):
        return AccessDeniedError(f"the AWS SSO session has expired or is invalid: run aws sso login ({error})", provider=_PROVIDER, operation=operation)
    if isinstance(error, NoRegionError):
        return CloudError("no AWS region: pass --region or set AWS_REGION / a profile region", provider=_PROVIDER, operation=operation)
    return None
