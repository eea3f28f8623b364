"""Every exception scdiag raises.

The tree::

    ScdiagError
      ConfigError            bad configuration; each line names the key path
      PluginError            a plugin failed to load or broke its contract
      MissingExtraError      also an ImportError; names the extra to install
      CaptureError           a capture file could not be read; names file and line
      CloudError             a call to a cloud API failed (provider, operation, status)
        TransientCloudError  the only errors ``cloud_call`` retries
          ThrottledError     the API asked us to slow down (may carry Retry-After)
        AccessDeniedError    the caller lacks a permission (names it when known)
        NotFoundError        the resource does not exist
        InvalidRequestError  the API rejected the request itself
      NothingCollected       no source or input delivered anything to analyse
      AnalysisError          the analysis engine or a pattern failed
      RenderError            a report could not be rendered

Adapters translate their SDK's exceptions into this tree, so no SDK exception
crosses a port.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scdiag._version import install_hint

if TYPE_CHECKING:
    from collections.abc import Callable

    from scdiag.models import DiagnosticData

__all__ = [
    "AccessDeniedError",
    "AnalysisError",
    "CaptureError",
    "CloudError",
    "ConfigError",
    "InvalidRequestError",
    "MissingExtraError",
    "NotFoundError",
    "NothingCollected",
    "PluginError",
    "RenderError",
    "ScdiagError",
    "ThrottledError",
    "TransientCloudError",
]


class ScdiagError(Exception):
    """Base class of every error scdiag raises on purpose."""


class ConfigError(ScdiagError):
    """The configuration is invalid.

    Attributes:
        path: the configuration file, when the error came from one.
        problems: one readable line per problem, each naming the key path.
    """

    def __init__(self, problems: list[str] | str, path: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(where + "; ".join(self.problems))


class PluginError(ScdiagError):
    """A plugin failed to load, or broke the plugin contract."""


class MissingExtraError(ScdiagError, ImportError):
    """An optional part of scdiag is not installed.

    Attributes:
        extra: the ``simple-container-diagnostics[...]`` extra that provides it.
    """

    def __init__(self, what: str, extra: str) -> None:
        self.extra = extra
        super().__init__(f"{what} is not installed: {install_hint(extra)}")


class CaptureError(ScdiagError):
    """A capture file could not be read.

    Attributes:
        path: the file.
        line: the 1-based line the problem is on, when known.
    """

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class CloudError(ScdiagError):
    """A cloud API call failed.

    Attributes:
        provider: the provider name (``aws``, ``kubernetes``, ...).
        operation: the API operation (``ecs.DescribeServices``, ``list_namespaced_pod``).
        status: the HTTP status or API error code, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        operation: str = "",
        status: int | str | None = None,
    ) -> None:
        self.provider = provider
        self.operation = operation
        self.status = status
        super().__init__(message)


class TransientCloudError(CloudError):
    """A failure worth retrying: throttling, 5xx, timeouts, dropped connections."""


class ThrottledError(TransientCloudError):
    """The API throttled the caller.

    Attributes:
        retry_after: seconds the API asked us to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        operation: str = "",
        status: int | str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, operation=operation, status=status)
        self.retry_after = retry_after


class AccessDeniedError(CloudError):
    """The credentials lack a permission.

    Attributes:
        permission: the missing permission (``logs:FilterLogEvents``,
            ``list pods/log``), when it can be named.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        operation: str = "",
        status: int | str | None = None,
        permission: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, operation=operation, status=status)
        self.permission = permission


class NotFoundError(CloudError):
    """The resource asked for does not exist."""


class InvalidRequestError(CloudError):
    """The API rejected the request as malformed."""


class NothingCollected(ScdiagError):
    """Nothing came through: every source failed, or no input could be read.

    The command line exits 3 in this case. An analysis of nothing would be a
    result of status UNKNOWN, which a caller could take for a diagnosis.

    Attributes:
        data: what the collection or the reading gathered: its data gaps
            (``data.gaps``) and, offline, each input's problems
            (``data.inputs[i].problems``).
        reasons: one line per gap or input problem, the ones the message joins,
            masked with the orchestrator's redaction rules.
    """

    def __init__(self, data: DiagnosticData, *, offline: bool = False, mask: Callable[[str], str] | None = None) -> None:
        self.data = data
        # The reasons quote errors and inputs, which may hold secrets: they are masked like a report.
        masked = mask or (lambda text: text)
        if offline:
            self.reasons = [masked(problem) for record in data.inputs for problem in record.problems]
            what = "nothing could be read from the inputs"
        else:
            # Masked apart from its source: "credentials: <reason>" would read as an assignment to mask.
            self.reasons = [f"{gap.source}: {masked(gap.reason)}" for gap in data.gaps]
            what = "nothing could be collected"
        super().__init__(what + (f": {'; '.join(self.reasons)}" if self.reasons else ""))


class AnalysisError(ScdiagError):
    """The analysis engine, or one pattern in it, failed."""


class RenderError(ScdiagError):
    """A report could not be rendered in the requested format."""
