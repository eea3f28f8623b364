"""Mapping azure-core exceptions onto scdiag's error tree."""

from __future__ import annotations

from typing import Any

from scdiag.cloudcall import retry_after_seconds
from scdiag.errors import AccessDeniedError, CloudError, InvalidRequestError, NotFoundError, ThrottledError, TransientCloudError

__all__ = ["classify"]

_PROVIDER = "azure"


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None)
    return retry_after_seconds(headers.get("Retry-After") if headers is not None else None)


def _code(error: Any) -> str:
    inner = getattr(error, "error", None)
    return str(getattr(inner, "code", "") or "")


def classify(error: BaseException, *, operation: str, permission: str) -> CloudError | None:
    """The scdiag error for an azure-core exception, or ``None`` to leave it alone.

    Transient (retried by ``cloud_call``): 429, 5xx, timeouts, dropped
    connections. Never retried: 401/403 (naming the role), 404, other 4xx,
    and a credential that cannot get a token at all.
    """
    from azure.core import exceptions as core

    if isinstance(error, core.ClientAuthenticationError) and getattr(error, "status_code", None) is None:
        return AccessDeniedError(f"{operation}: cannot get an Azure token: {error.message}", provider=_PROVIDER, operation=operation)
    if isinstance(error, core.HttpResponseError) and getattr(error, "status_code", None) is not None:
        status = int(error.status_code or 0)
        code = _code(error)
        message = f"{operation}: HTTP {status}{f' {code}' if code else ''} {error.reason or ''}".strip()
        if status == 429:
            return ThrottledError(message, provider=_PROVIDER, operation=operation, status=status, retry_after=_retry_after(error.response))
        if status >= 500:
            return TransientCloudError(message, provider=_PROVIDER, operation=operation, status=status)
        if status in (401, 403):
            detail = "the credentials were rejected (expired token?)" if status == 401 else f"not authorised: needs {permission}"
            return AccessDeniedError(f"{operation}: {detail}", provider=_PROVIDER, operation=operation, status=status, permission=permission)
        if status == 404:
            return NotFoundError(f"{operation}: not found{f' ({code})' if code else ''}", provider=_PROVIDER, operation=operation, status=status)
        return InvalidRequestError(message, provider=_PROVIDER, operation=operation, status=status)
    if isinstance(error, (core.ServiceRequestError, core.ServiceResponseError, TimeoutError, ConnectionError)):
        return TransientCloudError(f"{operation}: {type(error).__name__}: {error}", provider=_PROVIDER, operation=operation)
    return None
