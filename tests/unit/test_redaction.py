"""Secrets are masked, keeping their shape; ordinary text is untouched."""

from __future__ import annotations

import pytest

from scdiag.redaction import RedactionRule, Redactor, compile_rule, redact_text

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
    ("cloning with ghp_16C7e42F292c6912E7710c838347Ae178B4a now", "16C7e42F292c6912E7710c838347Ae178B4a", "ghp_****"),
    ("GH_PAT github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF", "0123456789_abcdefghijklmnop", "gith****"),
    ("posting with xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "1234567890123-AbCdEfGhIjKlMnOp", "xoxb-****"),
    ("charging via sk_live_51H8abcdefghijklmnop", "51H8abcdefghijklmnop", "sk_live_****"),
    ("//registry.npmjs.org/:_authToken npm_abcdefghijklmnopqrstuvwxyz0123456789", "abcdefghijklmnopqrstuvwxyz0123456789", "npm_****"),
    ("maps https://maps.googleapis.com/?k AIzaSyA1234567890abcdefghijklmnopqrstuv", "SyA1234567890abcdefghijklmnopqrstuv", "AIza****"),
    ('curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA==" https://api', "dXNlcjpwYXNzd29yZA", "Basic ****"),
    ("+ mysql -h db -u root -pS3cretPw orders", "S3cretPw", "-p****"),
    ("mysqldump --password=S3cretPw orders", "S3cretPw", "--password=****"),
    ("+ docker login -u ci -p hunter2pass registry.example.com", "hunter2pass", "-p ****"),
    ('{"auths":{"registry.example.com":{"auth":"Y2k6aHVudGVyMnBhc3M="}}}', "Y2k6aHVudGVyMnBhc3M", '"auth":"****"'),
    (".dockerconfigjson: eyJhdXRocyI6eyJyLmlvIjp7ImF1dGgiOiJkWE5sY2pwd1lYTnoifX19", "eyJyLmlvIjp7ImF1dGgiOiJk", "eyJ****"),
    ("DATABASE_URL=postgres://app:p@ss/w0rd@db.internal:5432/orders", "ss/w0rd", "postgres://app:****@db.internal:5432"),
    ('DB_PASSWORD="correct horse battery staple" loaded', "horse battery", 'DB_PASSWORD="****"'),
    ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "BgkqhkiG9w0BAQEFAASCBKcwggSj", None),
    ("AoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictG", "VJTUt9Us8cKjMzEfYyjiWA4R4", None),
]

HARMLESS = [
    "error_count=0 warnings=3",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b deployed",
    "GET /healthz 200 in 3ms",
    "Back-off restarting failed container app in pod web-7d9f",
    "OutOfMemoryError: Container killed due to memory usage",
    "basic configuration loaded from /etc/app.yaml",
    "fetching https://registry.npmjs.org:443/@types/node",
    "password: \"${DB_PASSWORD}\"",
    "docker run -p 8080:8080 web",
    "Listening on http://0.0.0.0:8080",
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
    redactor = Redactor(rules=[RedactionRule("pin", compile_rule(r"pin=(?P<secret>\d+)"))])
    assert redactor.redact("pin=1234 ok") == "pin=**** ok"


def test_a_long_line_of_near_misses_is_masked_in_one_pass() -> None:
    """Every rule runs on RE2: a 64 KB line built to make backtracking engines quadratic is just read."""
    line = "a." * 32768 + " password=hunter22"
    assert redact_text(line).endswith("password=****")


def test_a_rule_that_is_not_re2_is_refused_with_the_reason() -> None:
    """Lookbehind is not RE2: the rule is refused, not silently run on another engine."""
    with pytest.raises(ValueError, match="not a valid RE2 expression"):
        Redactor().add_patterns([r"(?<!x)secret"])


def test_a_configured_rule_that_is_not_re2_names_its_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The configuration error points at redaction.patterns[1]."""
    from scdiag.config import load_config
    from scdiag.errors import ConfigError

    path = tmp_path / "diagnostics-config.yaml"
    path.write_text('diagnostics:\n  redaction:\n    patterns: ["INTERNAL-\\\\d+", "(a)\\\\1"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"redaction\.patterns\[1\]: not a valid RE2 expression"):
        load_config(path)


def test_a_plugin_rule_that_is_not_re2_is_a_plugin_failure() -> None:
    """The plugin is named, its rule skipped, the built-in rules still apply."""
    from scdiag.app import DiagnosticOrchestrator
    from scdiag.plugins import RedactionRegistry, hookimpl
    from scdiag.testing import host_with

    class Plugin:
        @staticmethod
        @hookimpl
        def scdiag_register_redaction_rules(registry: RedactionRegistry) -> None:
            registry.add_rule("lookbehind", r"(?<=key=)\w+")
            registry.add_rule("ticket", r"TICKET-\d{6}")

    host = host_with(("lookbehind-plugin", Plugin()))
    redactor = DiagnosticOrchestrator(host=host).redactor()
    assert redactor.redact("DB_PASSWORD=hunter22") == "DB_PASSWORD=****"
    # The plugin's valid rule is kept: one bad rule no longer drops all of them.
    assert redactor.redact("see TICKET-123456") == "see ****"
    assert any(f.name == "lookbehind-plugin" and "RE2" in f.error for f in host.failures)
