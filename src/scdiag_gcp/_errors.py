"""Mapping Google client exceptions onto scdiag's error tree."""

from __future__ import annotations

from typing import Any

from scdiag.cloudcall import retry_after_seconds
from scdiag.errors import AccessDeniedError, CloudError, InvalidRequestError, NotFoundError, ThrottledError, TransientCloudError

__all__ = ["classify"]

_PROVIDER = "gcp"


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None)
    return retry_after_seconds(headers.get("Retry-After") if headers is not None else None)


def classify(error: BaseException, *, operation: str, permission: str) -> CloudError | None:
    """The scdiag error for a Google client exception, or ``None`` to leave it alone.

    Transient (retried by ``cloud_call``): 429, 5xx, timeouts, dropped
    connections, a token endpoint that did not answer. Never retried: 401/403
    (naming the permission and its role), 404, other 4xx.
    """
    import requests
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    if isinstance(error, api.GoogleAPICallError):
        status = int(error.code or 0)
        message = f"{operation}: HTTP {status} {error.message or ''}".strip()
        if status == 429:
            return ThrottledError(message, provider=_PROVIDER, operation=operation, status=status, retry_after=_retry_after(error.response))
        if status >= 500 or status == 0:
            return TransientCloudError(message, provider=_PROVIDER, operation=operation, status=status)
        if status in (401, 403):
            detail = "the credentials were rejected (expired or revoked?)" if status == 401 else f"permission denied: needs {permission}"
            return AccessDeniedError(f"{operation}: {detail}", provider=_PROVIDER, operation=operation, status=status, permission=permission)
        if status == 404:
            return NotFoundError(f"{operation}: not found ({error.message})", provider=_PROVIDER, operation=operation, status=status)
        return InvalidRequestError(message, provider=_PROVIDER, operation=operation, status=status)
    if isinstance(error, api.RetryError):
        return TransientCloudError(f"{operation}: {error.message}", provider=_PROVIDER, operation=operation)
    if isinstance(error, auth.RefreshError):
        # A refused refresh is final (revoked grant, wrong key); a token endpoint that failed is not.
        retryable = bool(getattr(error, "retryable", False))
        kind = TransientCloudError if retryable else AccessDeniedError
        return kind(f"{operation}: cannot get an access token: {error}", provider=_PROVIDER, operation=operation)
    if isinstance(error, (auth.TransportError, requests.exceptions.RequestException, TimeoutError, ConnectionError)):
        return TransientCloudError(f"{operation}: {type(error).__name__}: {error}", provider=_PROVIDER, operation=operation)
    return None
