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

import contextvars
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs

from scdiag import regex
from scdiag._records import mutable_record, record
from scdiag.serialization import field_names

__all__ = ["MASK", "RedactionRule", "Redactor", "builtin_rules", "compile_rule", "map_model_strings", "map_strings", "redact_for_telemetry", "redact_structure", "redact_text", "rules_in_force"]

MASK = "****"

Match = regex.Match


def compile_rule(pattern: str) -> regex.Pattern:
    """``pattern`` compiled by RE2, the dialect of the failure patterns: linear in the input.

    Raises:
        ValueError: the expression is not valid RE2 (lookarounds and
            backreferences are not), with RE2's reason.
    """
    return regex.compile(pattern)


@record
class RedactionRule:
    """One kind of secret: a regular expression and how to mask its matches.

    Attributes:
        name: what it finds, e.g. ``aws-access-key-id``.
        pattern: the expression, compiled by RE2 (:func:`compile_rule`).
        replace: builds the replacement from the match; by default the
            ``secret`` group (or the whole match) becomes ``****``.
    """

    name: str
    pattern: regex.Pattern
    replace: Callable[[Match], str] | None = None

    def apply(self, text: str) -> str:
        """The text with this rule's matches masked."""
        return self.pattern.sub(self.replace or _mask_secret_group, text)


def _span(match: Match, name: str) -> tuple[int, int] | None:
    index = match.re.groupindex.get(name)
    if index is None or match.group(index) is None:
        return None
    start, end = match.span(index)
    return int(start), int(end)


def _mask_group(match: Match, name: str = "secret") -> str:
    span = _span(match, name)
    whole: str = match.group(0)
    if span is None:
        return MASK
    offset = match.start()
    return whole[: span[0] - offset] + MASK + whole[span[1] - offset :]


def _mask_secret_group(match: Match) -> str:
    return _mask_group(match)


def _keep_prefix(length: int) -> Callable[[Match], str]:
    def replace(match: Match) -> str:
        value: str = match.group(0)
        return value[:length] + "*" * (len(value) - length)

    return replace


def _rule(name: str, pattern: str, replace: Callable[[Match], str] | None = None) -> RedactionRule:
    return RedactionRule(name, regex.deferred(pattern), replace)


_ASSIGNMENT_KEYS = (
    r"pass(?:word|wd)?|pwd|secret(?:[_-]?key)?|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|"
    r"auth[_-]?token|access[_-]?token|refresh[_-]?token|token|private[_-]?key|credentials?|"
    r"aws_secret_access_key|aws_session_token|sharedaccesskey|accountkey"
)
# Values that say where a secret lives, not what it is: they stay readable.
_REFERENCE_PREFIXES = ("os.environ", "os.getenv", "process.env", "getenv(", "${", "<")
_NOT_A_VALUE = regex.deferred(r"^(?:None|null|true|false)(?:[^A-Za-z0-9_]|$)")


def _mask_assignment(match: Match) -> str:
    whole: str = match.group(0)
    secret = match.group(match.re.groupindex["secret"])
    # RE2 has no lookarounds: a ${...} before the key, or a reference as the value, is checked here.
    if match.group(match.re.groupindex["ref"]) is not None or secret.startswith(_REFERENCE_PREFIXES) or _NOT_A_VALUE.search(secret):
        return whole
    return _mask_group(match)


def _mask_any(match: Match) -> str:
    for name in ("secret", "secret2", "secret3"):
        if _span(match, name) is not None:
            return _mask_group(match, name)
    return MASK


def _mask_quoted_assignment(match: Match) -> str:
    name = "secret" if _span(match, "secret") is not None else "secret2"
    value: str = match.group(match.re.groupindex[name])
    if value.startswith(_REFERENCE_PREFIXES) or _NOT_A_VALUE.search(value):
        return str(match.group(0))
    return _mask_group(match, name)


_PORT_THEN_PATH = regex.deferred(r"^\d+(?:/|$)")


def _mask_url_password(match: Match) -> str:
    secret = match.group(match.re.groupindex["secret"])
    # host:8080/path@x is a port and a path, not a user and a password.
    if _PORT_THEN_PATH.search(secret):
        return str(match.group(0))
    return _mask_group(match)


def _looks_like_aws_secret(match: Match) -> str:
    value: str = match.group(0)
    # Exactly 40 base64 characters, no padding, in a run of its own (the run is matched whole,
    # so its length is the boundary check); both cases and a digit: an AWS secret key's shape.
    # Hex digests (git SHAs, sha1) are all lower case and stay readable.
    if len(value) != 40 or "=" in value:
        return value
    has_upper = any(c.isupper() for c in value)
    has_lower = any(c.islower() for c in value)
    has_digit = any(c.isdigit() for c in value)
    return MASK if has_upper and has_lower and has_digit else value


def _mask_pem_line(match: Match) -> str:
    body: str = match.group("secret")
    # A bare 64-character hex digest is no key: PEM lines mix cases and digits.
    if not body.startswith("MII") and not (any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body)):
        whole: str = match.group(0)
        return whole
    return _mask_group(match)


def builtin_rules() -> tuple[RedactionRule, ...]:
    """The rules every :class:`Redactor` starts with, most specific first."""
    return (
        _rule(
            "private-key-block",
            r"(?s)-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----.*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)",
            lambda _m: "-----BEGIN PRIVATE KEY-----" + MASK + "-----END PRIVATE KEY-----",
        ),
        _rule(
            "gcp-service-account-key",
            r"(?P<pre>\\?\"private_key(?:_id)?\\?\"\s*:\s*\\?\")(?P<secret>[^\"\\]*(?:\\.[^\"\\]*)*)",
        ),
        _rule("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", lambda _m: "eyJ" + MASK),
        _rule("bearer-token", r"(?i)\b(?:bearer|token)\s+(?P<secret>[A-Za-z0-9._~+/=-]{12,})"),
        _rule("aws-access-key-id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b", _keep_prefix(4)),
        _rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})", _keep_prefix(4)),
        _rule("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", _keep_prefix(5)),
        _rule("stripe-key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{10,}", _keep_prefix(8)),
        _rule("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", _keep_prefix(4)),
        _rule("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}", _keep_prefix(4)),
        _rule("basic-auth", r"(?i)authorization[\"']?\s*[:=]\s*[\"']?basic\s+(?P<secret>[A-Za-z0-9+/]{6,}={0,2})"),
        _rule("docker-config-auth", r"(?i)\\?\"(?:auth|identitytoken)\\?\"\s*:\s*\\?\"(?P<secret>[A-Za-z0-9+/=_.-]{6,})"),
        _rule("docker-config-base64", r"\beyJhdXRocyI6[A-Za-z0-9+/=]*", lambda _m: "eyJ" + MASK),
        _rule("password-flag", r"(?i)(?:--password|--passwd)(?:=|\s+)(?:\"(?P<secret>[^\"\n]*)\"|'(?P<secret2>[^'\n]*)'|(?P<secret3>[^\s\"']+))", _mask_any),
        _rule("short-password-flag", r"\b(?:mysql(?:dump|admin)?|mariadb)\b[^\n]*?\s-p(?P<secret>[^\s\"']+)"),
        _rule("docker-login-password", r"\b(?:docker|podman|helm registry)\s+login\b[^\n]*?\s-p\s+(?P<secret>[^\s\"']+)"),
        _rule(
            "url-password",
            # The password may hold '/' and '@': like most drivers, the host follows the last '@'.
            r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<secret>\S+)@(?P<host>[A-Za-z0-9.\[\]_-]+(?::\d+)?)(?:[/?#\s\"',;)]|$)",
            _mask_url_password,
        ),
        _rule("azure-sas-signature", r"(?i)(?:[?&]|\b)sig=(?P<secret>[A-Za-z0-9%+/=]{16,})"),
        _rule(
            "connection-string-secret",
            r"(?i)\b(?:AccountKey|SharedAccessKey|Password|Pwd)\s*=\s*(?P<secret>[^;\s\"']+)",
        ),
        _rule(
            "quoted-assignment",
            # A quoted value may hold spaces: the whole quoted value is the secret.
            rf"(?i)(?P<key>\b[\w.-]*(?:{_ASSIGNMENT_KEYS})[\w-]*)(?P<sep>\\?[\"']?\s*[:=]\s*)(?:\\?\"(?P<secret>[^\"\\\n]{{3,}})\\?\"|'(?P<secret2>[^'\n]{{3,}})')",
            _mask_quoted_assignment,
        ),
        # A key logged line by line: each body line is a token of its own, after whatever prefix the logger adds.
        _rule("pem-body-line", r"(?m)(?:^|\s)(?P<secret>MII[A-Za-z0-9+/]{20,}={0,2}|[A-Za-z0-9+/]{64})(?:\s|$)", _mask_pem_line),
        _rule(
            "key-value-assignment",
            rf"(?i)(?P<ref>\$\{{)?(?P<key>\b[\w.-]*(?:{_ASSIGNMENT_KEYS})[\w-]*)(?P<sep>\\?[\"']?\s*[:=]\s*\\?[\"']?)"
            rf"(?P<secret>[^\s\"'&,;}}\\]{{3,}})",
            _mask_assignment,
        ),
        _rule("aws-secret-access-key", r"[A-Za-z0-9/+=]{40,}", _looks_like_aws_secret),
    )


@mutable_record
class Redactor:
    """Masks secrets in text with an ordered list of rules."""

    rules: list[RedactionRule] = attrs.field(factory=lambda: list(builtin_rules()))
    _prefilter: Callable[[str], list[int]] | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _prefilter_for: list[RedactionRule] = attrs.field(factory=list, init=False, repr=False, eq=False)

    def add(self, rule: RedactionRule) -> None:
        """Add a rule after the existing ones."""
        self.rules.append(rule)

    def add_patterns(self, patterns: Iterable[str], name: str = "config") -> None:
        """Add rules from plain RE2 expressions (their whole match is masked, or their ``secret`` group).

        Raises:
            ValueError: a pattern is not valid RE2 (see :func:`compile_rule`).
        """
        for pattern in patterns:
            self.rules.append(RedactionRule(name, compile_rule(pattern)))

    def redact(self, text: str) -> str:
        """The text with every secret masked."""
        # One RE2 set pass says which rules can match; most strings match none, and a rule
        # that cannot match the text cannot match it once earlier rules put "****" in.
        rules = self.rules
        # List equality tests identity first, in C: unchanged rules cost one pass, no Python loop.
        if self._prefilter is None or self._prefilter_for != rules:
            self._prefilter = regex.compile_set([rule.pattern.pattern for rule in rules])
            self._prefilter_for = list(rules)
        hits = self._prefilter(text)
        for index in hits:
            text = rules[index].apply(text)
        return text


_DEFAULT = Redactor()


def redact_text(text: str) -> str:
    """Mask secrets in ``text`` with the built-in rules."""
    return _DEFAULT.redact(text)


_IN_FORCE: contextvars.ContextVar[Redactor | None] = contextvars.ContextVar("scdiag_redactor", default=None)


@contextmanager
def rules_in_force(redactor: Redactor) -> Iterator[None]:
    """Within the block (and the threads it starts through :mod:`scdiag.deadline`), telemetry masks with ``redactor``."""
    token = _IN_FORCE.set(redactor)
    try:
        yield
    finally:
        _IN_FORCE.reset(token)


def redact_for_telemetry(text: str) -> str:
    """Mask ``text`` for a span or a log record: with the run's full rule set, or the built-in rules outside a run."""
    return (_IN_FORCE.get() or _DEFAULT).redact(text)


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


T = TypeVar("T")


def map_model_strings(value: T, change: Callable[[str], str], skip: frozenset[str] = frozenset()) -> T:
    """``value`` (a model, or tuples, lists and mappings of models and scalars) with ``change``
    applied to every string, as :func:`map_strings` does to its plain-data form.

    Fields and mapping entries named in ``skip`` keep their values; enums, times
    and numbers are left as they are. What holds no changed string is returned
    as it is, and a changed model is copied field by field: no conversion to
    plain data and back, whose generated code costs a short run more than its masking.
    """
    if isinstance(value, str):
        return value if isinstance(value, enum.Enum) else change(value)  # type: ignore[return-value]
    kind = type(value)
    names = field_names(kind)
    if names is not None:
        changed: dict[str, Any] = {}
        for name in names:
            if name in skip:
                continue
            item = getattr(value, name)
            mapped = map_model_strings(item, change, skip)
            if mapped is not item:
                changed[name] = mapped
        if not changed:
            return value
        clone = object.__new__(kind)
        for name in names:
            # Frozen models refuse setattr; the copy is built as attrs builds it.
            object.__setattr__(clone, name, changed[name] if name in changed else getattr(value, name))
        return clone
    if isinstance(value, (list, tuple)):
        items = [map_model_strings(item, change, skip) for item in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        return (items if isinstance(value, list) else tuple(items))  # type: ignore[return-value]
    if isinstance(value, Mapping):
        entries = {key: item if key in skip else map_model_strings(item, change, skip) for key, item in value.items()}
        if all(entries[key] is item for key, item in value.items()):
            return value
        return entries  # type: ignore[return-value]
    return value


def redact_structure(value: Any, redactor: Redactor, skip: frozenset[str] = frozenset()) -> Any:
    """Plain data with every string redacted."""
    return map_strings(value, redactor.redact, skip)
