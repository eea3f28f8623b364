"""Masking of credentials in text before it is shown, exported, cached or traced.

A :class:`Redactor` holds an ordered list of :class:`RedactionRule`. The
built-in rules cover AWS access key ids and secret keys, bearer tokens and
JWTs, passwords in URLs and connection strings, private key blocks, GCP
service-account keys, Azure storage keys and SAS signatures, and generic
``password=`` / ``secret=`` / ``token=`` assignments. A rule keeps enough of
the shape to stay useful: ``AKIA****************``, ``postgres://app:****@db``.

More rules come from configuration (``redaction.patterns``) and from plugins
(the ``scdiag_redaction_rules`` hook).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import attrs

__all__ = ["MASK", "RedactionRule", "Redactor", "builtin_rules", "map_strings", "redact_structure", "redact_text"]

MASK = "****"


@attrs.frozen
class RedactionRule:
    """One kind of secret: a regular expression and how to mask its matches.

    Attributes:
        name: what it finds, e.g. ``aws-access-key-id``.
        pattern: the compiled expression.
        replace: builds the replacement from the match; by default the
            ``secret`` group (or the whole match) becomes ``****``.
    """

    name: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], str] | None = None

    def apply(self, text: str) -> str:
        """The text with this rule's matches masked."""
        return self.pattern.sub(self.replace or _mask_secret_group, text)


def _mask_secret_group(match: re.Match[str]) -> str:
    if "secret" not in match.re.groupindex or match.group("secret") is None:
        return MASK
    start, end = match.span("secret")
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + MASK + whole[end - offset :]


def _keep_prefix(length: int) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        value = match.group(0)
        return value[:length] + "*" * (len(value) - length)

    return replace


def _rule(name: str, pattern: str, flags: int = 0, replace: Callable[[re.Match[str]], str] | None = None) -> RedactionRule:
    return RedactionRule(name, re.compile(pattern, flags), replace)


_ASSIGNMENT_KEYS = (
    r"pass(?:word|wd)?|pwd|secret(?:[_-]?key)?|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|"
    r"auth[_-]?token|access[_-]?token|refresh[_-]?token|token|private[_-]?key|credentials?|"
    r"aws_secret_access_key|aws_session_token|sharedaccesskey|accountkey"
)


def builtin_rules() -> tuple[RedactionRule, ...]:
    """The rules every :class:`Redactor` starts with, most specific first."""
    return (
        _rule(
            "private-key-block",
            r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----.*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)",
            re.DOTALL,
            lambda _m: "-----BEGIN PRIVATE KEY-----" + MASK + "-----END PRIVATE KEY-----",
        ),
        _rule(
            "gcp-service-account-key",
            r"(?P<pre>\\?\"private_key(?:_id)?\\?\"\s*:\s*\\?\")(?P<secret>[^\"\\]*(?:\\.[^\"\\]*)*)",
        ),
        _rule("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", 0, lambda _m: "eyJ" + MASK),
        _rule("bearer-token", r"(?i)\b(?:bearer|token)\s+(?P<secret>[A-Za-z0-9._~+/=-]{12,})"),
        _rule("aws-access-key-id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b", 0, _keep_prefix(4)),
        _rule("url-password", r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<secret>[^@/\s]+)@"),
        _rule("azure-sas-signature", r"(?i)(?:[?&]|\b)sig=(?P<secret>[A-Za-z0-9%+/=]{16,})"),
        _rule(
            "connection-string-secret",
            r"(?i)\b(?:AccountKey|SharedAccessKey|Password|Pwd)\s*=\s*(?P<secret>[^;\s\"']+)",
        ),
        _rule(
            "key-value-assignment",
            # Not a reference to where a secret lives (os.environ[...], ${secret:name}): only values.
            rf"(?i)(?<!\$\{{)(?P<key>\b[\w.-]*(?:{_ASSIGNMENT_KEYS})[\w-]*)(?P<sep>\\?[\"']?\s*[:=]\s*\\?[\"']?)"
            rf"(?!os\.environ|os\.getenv|process\.env|getenv\(|\$\{{|<|None\b|null\b|true\b|false\b)(?P<secret>[^\s\"'&,;}}\\]{{3,}})",
        ),
        _rule("aws-secret-access-key", r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", 0, _looks_like_aws_secret),
    )


def _looks_like_aws_secret(match: re.Match[str]) -> str:
    value = match.group(0)
    # 40 base64 characters with both cases and a digit: an AWS secret key's shape.
    # Hex digests (git SHAs, sha1) are all lower case and stay readable.
    has_upper = any(c.isupper() for c in value)
    has_lower = any(c.islower() for c in value)
    has_digit = any(c.isdigit() for c in value)
    return MASK if has_upper and has_lower and has_digit else value


@attrs.define
class Redactor:
    """Masks secrets in text with an ordered list of rules."""

    rules: list[RedactionRule] = attrs.field(factory=lambda: list(builtin_rules()))

    def add(self, rule: RedactionRule) -> None:
        """Add a rule after the existing ones."""
        self.rules.append(rule)

    def add_patterns(self, patterns: Iterable[str], name: str = "config") -> None:
        """Add rules from plain regular expressions (their whole match is masked).

        Raises:
            re.error: a pattern does not compile.
        """
        for pattern in patterns:
            self.rules.append(RedactionRule(name, re.compile(pattern)))

    def redact(self, text: str) -> str:
        """The text with every secret masked."""
        for rule in self.rules:
            text = rule.apply(text)
        return text


_DEFAULT = Redactor()


def redact_text(text: str) -> str:
    """Mask secrets in ``text`` with the built-in rules."""
    return _DEFAULT.redact(text)


def map_strings(value: Any, change: Callable[[str], str], skip: frozenset[str] = frozenset()) -> Any:
    """Plain data (dicts, lists, scalars) with ``change`` applied to every string.

    Values under the keys in ``skip`` (timestamps and the like) are left as they are.
    """
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_strings(item, change, skip) for item in value]
    if isinstance(value, dict):
        return {key: item if key in skip else map_strings(item, change, skip) for key, item in value.items()}
    return value


def redact_structure(value: Any, redactor: Redactor, skip: frozenset[str] = frozenset()) -> Any:
    """Plain data with every string redacted."""
    return map_strings(value, redactor.redact, skip)
