"""Bicep compiler output: errors refuse the deployment before Azure sees it; warnings do not.

Written in the shape ``az deployment group create -f main.bicep`` and
``bicep build`` print diagnostics: ``file(line,column) : Level CODE: message``.
"""

from __future__ import annotations

import pytest

from scdiag.models import DiagnosticStatus, RolloutOutcome

COMPILE_ERRORS = """$ az deployment group create --resource-group shop --template-file main.bicep
/home/dev/infra/main.bicep(12,7) : Warning no-unused-params: Parameter "location" is declared but never used. [https://aka.ms/bicep/linter/no-unused-params]
/home/dev/infra/main.bicep(27,5) : Error BCP037: The property "targetPort" is not allowed on objects of type "Configuration". Permissible properties include "activeRevisionsMode", "dapr", "ingress", "registries", "secrets".
/home/dev/infra/main.bicep(33,14) : Error BCP062: The referenced declaration with name "appEnv" is not valid.
"""

WARNINGS_ONLY = """$ bicep build main.bicep
/home/dev/infra/main.bicep(12,7) : Warning no-unused-params: Parameter "location" is declared but never used. [https://aka.ms/bicep/linter/no-unused-params]
/home/dev/infra/main.bicep(40,3) : Warning BCP081: Resource type "Microsoft.App/containerApps@2025-10-02-preview" does not have types available.
"""


def test_compiler_errors_are_a_deployment_refused_before_it_started(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The template's errors: nothing was deployed, and the cause cites the first error's file and line."""
    result = diagnose_text(COMPILE_ERRORS, "deploy.txt")
    assert [r.reader for r in result.data.inputs] == ["bicep-build-diagnostics"]
    assert result.status is DiagnosticStatus.FAILED
    assert result.root_cause is not None and result.root_cause.pattern_id == "bicep-template-error"
    assert result.rollout.outcome is RolloutOutcome.NOT_STARTED
    lines = COMPILE_ERRORS.splitlines()
    cited = [e.location.line for e in result.root_cause.evidence if e.location is not None and e.location.line]
    assert cited and all("Error BCP" in lines[line - 1] for line in cited)


def test_each_error_becomes_a_condition_naming_its_code_and_place(read_text) -> None:  # type: ignore[no-untyped-def]
    """Two errors, two failing conditions; the warning is none."""
    (rollout,) = read_text(COMPILE_ERRORS).status.rollouts
    assert [(c.reason, c.message.split(" : ", 1)[0]) for c in rollout.conditions] == [("BCP037", "main.bicep(27,5)"), ("BCP062", "main.bicep(33,14)")]


def test_warnings_alone_are_no_failure(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The linter's and the compiler's warnings do not stop a deployment."""
    result = diagnose_text(WARNINGS_ONLY)
    assert result.status is not DiagnosticStatus.FAILED
    assert result.root_cause is None or result.root_cause.pattern_id != "bicep-template-error"


@pytest.mark.parametrize(
    "damage",
    [lambda t: t.replace("\n", "\r\n"), lambda t: "```console\n" + t + "```\n", lambda t: t.split("\n", 1)[1], lambda t: "\x1b[31m" + t.replace("\n", "\x1b[0m\n", 2)],
    ids=["crlf", "in-a-markdown-fence", "without-the-prompt", "colour-codes"],
)
def test_a_damaged_paste_still_reads(diagnose_text, damage) -> None:  # type: ignore[no-untyped-def]
    """Windows line ends, a Markdown fence, no prompt line, the terminal's colours."""
    result = diagnose_text(damage(COMPILE_ERRORS))
    assert result.root_cause is not None and result.root_cause.pattern_id == "bicep-template-error"
