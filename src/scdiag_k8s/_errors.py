"""Mapping the kubernetes client's exceptions onto scdiag's error tree."""

from __future__ import annotations

from typing import Any

from scdiag.cloudcall import retry_after_seconds
from scdiag.errors import AccessDeniedError, CloudError, InvalidRequestError, NotFoundError, ThrottledError, TransientCloudError

__all__ = ["classify", "retry_after"]

_PROVIDER = "kubernetes"


def retry_after(headers: Any) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not headers or not hasattr(headers, "get"):
        return None
    return retry_after_seconds(headers.get("Retry-After"))


def classify(error: BaseException, *, operation: str = "", permission: str | None = None) -> CloudError | None:
    """The scdiag error for a client exception, or ``None`` to leave it alone.

    Transient (retried by ``cloud_call``): 429, 5xx, timeouts, dropped
    connections. Never retried: 401/403 (named permission), 404, other 4xx.
    """
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError as Urllib3Error

    if isinstance(error, ApiException):
        status = int(error.status or 0)
        reason = (error.reason or "").strip()
        message = f"{operation}: HTTP {status} {reason}".strip()
        if status == 429:
            return ThrottledError(message, provider=_PROVIDER, operation=operation, status=status, retry_after=retry_after(error.headers))
        if status >= 500 or status == 0:
            return TransientCloudError(message, provider=_PROVIDER, operation=operation, status=status)
        if status in (401, 403):
            detail = "the credentials were rejected (expired token?)" if status == 401 else f"forbidden: needs RBAC {permission}" if permission else "forbidden"
            return AccessDeniedError(f"{operation}: {detail}", provider=_PROVIDER, operation=operation, status=status, permission=permission)
        if status == 404:
            return NotFoundError(f"{operation}: not found", provider=_PROVIDER, operation=operation, status=status)
        return InvalidRequestError(message, provider=_PROVIDER, operation=operation, status=status)
    if isinstance(error, (Urllib3Error, TimeoutError, ConnectionError)):
        return TransientCloudError(f"{operation}: {type(error).__name__}: {error}", provider=_PROVIDER, operation=operation)
    return None
