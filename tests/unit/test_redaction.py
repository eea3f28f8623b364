"""Secrets are masked, keeping their shape; ordinary text is untouched."""

from __future__ import annotations

import re

import pytest

from scdiag.redaction import RedactionRule, Redactor, redact_text

SECRETS = [
    ("key AKIAIOSFODNN7EXAMPLE in use", "IOSFODNN7EXAMPLE", "AKIA****************"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI", None),
    ("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY found", "wJalrXUtnFEMI", None),
    ("Authorization: Bearer eyZ0b2tlbi12YWx1ZS1oZXJl", "eyZ0b2tlbi12YWx1ZS1oZXJl", "Bearer ****"),
    ("jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "dozjgNryP4J3jVmNHl0w5N", None),
    ("connecting to postgres://orders:s3cr3t-pw@db.internal:5432/orders", "s3cr3t-pw", "postgres://orders:****@db.internal"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA7", None),
    ('{"type": "service_account", "private_key_id": "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c"}', "1f2e3d4c5b6a7988", None),
    ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4==;EndpointSuffix=core.windows.net", "Zm9vYmFyYmF6", "AccountKey=****"),
    ("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=c2VjcmV0a2V5dmFsdWU=", "c2VjcmV0a2V5dmFsdWU", None),
    ("https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=AbCdEfGhIjKlMnOpQrStUvWxYz%2B0123", "AbCdEfGhIjKlMnOp", None),
    ("DB_PASSWORD=hunter22 starting", "hunter22", "DB_PASSWORD=****"),
    ('config: {"api_key": "sk_live_abcdef123456"}', "sk_live_abcdef123456", None),
    ("token: ghp_16C7e42F292c6912E7710c838347Ae178B4a", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", None),
]

HARMLESS = [
    "error_count=0 warnings=3",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b deployed",
    "GET /healthz 200 in 3ms",
    "Back-off restarting failed container app in pod web-7d9f",
    "OutOfMemoryError: Container killed due to memory usage",
]


@pytest.mark.parametrize(("text", "secret", "shape"), SECRETS)
def test_secrets_are_masked(text: str, secret: str, shape: str | None) -> None:
    """The secret part is gone; where it helps, its shape stays."""
    redacted = redact_text(text)
    assert secret not in redacted
    if shape is not None:
        assert shape in redacted


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_lines_are_untouched(text: str) -> None:
    """Log lines without secrets read the same after redaction."""
    assert redact_text(text) == text


def test_extra_rules_extend_the_builtin_ones() -> None:
    """A configured expression masks its matches too."""
    redactor = Redactor()
    redactor.add_patterns([r"INTERNAL-\d{6}"])
    assert redactor.redact("ticket INTERNAL-123456 opened") == "ticket **** opened"


def test_a_rule_with_a_secret_group_keeps_the_rest_of_the_match() -> None:
    """Only the named group is masked."""
    redactor = Redactor(rules=[RedactionRule("pin", re.compile(r"pin=(?P<secret>\d+)"))])
    assert redactor.redact("pin=1234 ok") == "pin=**** ok"
