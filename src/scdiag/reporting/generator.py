"""The report generator (the seed's ReportGenerator): result in, rendered text out.

:meth:`ReportGenerator.generate_report` prepares a result for people: secrets
masked everywhere (unless redaction is turned off, which the report then
says), and fix steps filled in for the user's stack, environment and service.
Below ``deep``, the result's collected data keeps only what those reports
show (status without its instances, limits, metrics, gaps and inputs).
:meth:`ReportGenerator.export_report` renders it in one of the registered
formats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from scdiag import regex
from scdiag._records import mutable_record
from scdiag._version import __version__
from scdiag.errors import RenderError
from scdiag.models import DiagnosticData, DiagnosticReport, DiagnosticResult
from scdiag.redaction import Redactor, map_model_strings

__all__ = ["DETAIL_LEVELS", "ReportGenerator", "fill_placeholders"]

DETAIL_LEVELS = ("summary", "details", "deep")
_MAX_TEXT = 64 * 1024
_PLACEHOLDER = regex.deferred(r"\{(stack|environment|service)\}")


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Replace ``{stack}``, ``{environment}`` and ``{service}``; unknown ones read ``<stack>``."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or f"<{m.group(1)}>", text)


def _shown_below_deep(data: DiagnosticData) -> DiagnosticData:
    """What summary and details reports can show of the collected data: status, limits, metrics, gaps and inputs."""
    status = data.status
    if status is not None:
        status = attrs.evolve(status, instances=(), targets=(), endpoints=())
    return attrs.evolve(data, logs=(), events=(), status=status)


@mutable_record
class ReportGenerator:
    """Builds and exports reports.

    Args:
        renderers: format name -> callable rendering a DiagnosticReport to text.
        redactor: masks secrets; ``None`` turns redaction off (``--no-redact``).
        versions: plugin and pattern versions to record in the report.
    """

    renderers: Mapping[str, Callable[[DiagnosticReport], str]]
    redactor: Redactor | None = attrs.field(factory=Redactor)
    versions: Mapping[str, str] = attrs.field(factory=dict)

    def generate_report(self, result: DiagnosticResult, detail: str = "summary") -> DiagnosticReport:
        """A report of ``result`` at the given level of detail.

        Raises:
            RenderError: unknown detail level.
        """
        if detail not in DETAIL_LEVELS:
            raise RenderError(f"unknown detail level {detail!r}; expected one of {', '.join(DETAIL_LEVELS)}")
        if detail != "deep" and result.data is not None:
            # Only a deep report shows the logs, events and instances collected; masking
            # them for a summary is most of the time a large capture takes to report.
            result = attrs.evolve(result, data=_shown_below_deep(result.data))
        context = result.request.context
        values = {"stack": context.stack or "", "environment": context.environment or "", "service": result.request.service_name}
        redactor = self.redactor

        def prepare(text: str) -> str:
            # No format shows more of one string than this; clipping first also keeps
            # redaction linear in what is shown, not in a 10 MB log line.
            if len(text) > _MAX_TEXT:
                text = f"{text[:_MAX_TEXT]}… (+{len(text) - _MAX_TEXT} chars)"
            text = fill_placeholders(text, values)
            return redactor.redact(text) if redactor is not None else text

        # Timestamps and enum values hold no secrets; everything else is text a log could have put there.
        prepared = map_model_strings(result, prepare, skip=frozenset({"generated_at", "collected_at", "timestamp", "first_seen"}))
        versions = {"scdiag": __version__, **self.versions}
        return DiagnosticReport(result=prepared, detail=detail, redacted=redactor is not None, versions=versions)

    def export_report(self, report: DiagnosticReport, format: str) -> str:
        """Render ``report`` in ``format`` (``json``, ``text``, ``markdown``...).

        Raises:
            RenderError: no such format, or its renderer failed.
        """
        renderer = self.renderers.get(format)
        if renderer is None:
            raise RenderError(f"unknown report format {format!r}; available: {', '.join(sorted(self.renderers))}")
        try:
            return renderer(report)
        except RenderError:
            raise
        except Exception as error:
            raise RenderError(f"the {format} renderer failed: {type(error).__name__}: {error}") from error

    def generate_summary(self, result: DiagnosticResult) -> str:
        """The one-line verdict, redacted."""
        return self.generate_report(result).result.summary
