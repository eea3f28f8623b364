"""Loading .sc/diagnostics-config.yaml."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scdiag.config import DiagnosticsConfig, load_config, unstructure_config
from scdiag.errors import ConfigError

SEED_EXAMPLE = """
diagnostics:
  enabled: true
  auto_collect_on_failure: true
  providers:
    aws:
      enabled: true
      regions: ["us-east-1", "us-west-2"]
      services: ["ecs", "eks", "lambda"]
    gcp:
      enabled: true
      projects: ["my-project"]
      services: ["cloud-run", "gke"]
    kubernetes:
      enabled: true
      contexts: ["production", "staging"]
  collection:
    timeout: "5m"
    log_lines_limit: 1000
    metric_resolution: "1m"
    event_lookback: "1h"
  analysis:
    pattern_matching: true
    ml_classification: false
    confidence_threshold: 0.7
  output:
    format: "interactive"
    export_formats: ["json", "markdown"]
    show_raw_data: false
  cache:
    enabled: true
    ttl: "1h"
    max_size: "100MB"
"""


@pytest.fixture(name="write")
def _write(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(text: str) -> Path:
        path = tmp_path / "diagnostics-config.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_the_seed_example_loads_with_its_values(write) -> None:  # type: ignore[no-untyped-def]
    """The design's own example file is a valid configuration."""
    config = load_config(write(SEED_EXAMPLE))
    assert config.providers.aws.regions == ("us-east-1", "us-west-2")
    assert config.collection.timeout == timedelta(minutes=5)
    assert config.cache.max_size == 100_000_000
    assert config.output.export_formats == ("json", "markdown")


def test_an_empty_file_gives_every_default(write) -> None:  # type: ignore[no-untyped-def]
    """Every key has a default."""
    assert load_config(write("")) == DiagnosticsConfig()


def test_no_path_and_no_default_file_gives_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without .sc/diagnostics-config.yaml the defaults apply."""
    monkeypatch.chdir(tmp_path)
    assert load_config() == DiagnosticsConfig()


def test_the_default_file_is_read_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.sc/diagnostics-config.yaml in the working directory is the default."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".sc").mkdir()
    (tmp_path / ".sc" / "diagnostics-config.yaml").write_text("diagnostics: {collection: {log_lines_limit: 5}}\n")
    assert load_config().collection.log_lines_limit == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("diagnostics: {collection: {timeout: five}}", 'diagnostics.collection.timeout: expected a duration such as "5m", got \'five\''),
        ("diagnostics: {collection: {timeout: 0s}}", "diagnostics.collection.timeout: must be a positive duration"),
        ("diagnostics: {collection: {log_lines_limit: many}}", "diagnostics.collection.log_lines_limit: expected int, got str 'many'"),
        ("diagnostics: {collection: {log_lines_limit: 0}}", "diagnostics.collection.log_lines_limit: must be at least 1"),
        ("diagnostics: {colection: {}}", "diagnostics: unknown key(s): colection"),
        ("diagnostics: {analysis: {confidence_threshold: 1.5}}", "diagnostics.analysis.confidence_threshold: must be between 0 and 1"),
        ("diagnostics: {providers: {aws: {enabled: maybe}}}", "diagnostics.providers.aws.enabled: expected bool"),
        ("diagnostics: {cache: {max_size: lots}}", 'diagnostics.cache.max_size: expected a size such as "100MB"'),
        ("settings: {}", "unknown top-level key(s): settings"),
        ("diagnostics: [1, 2]", "diagnostics: expected a mapping"),
        ("diagnostics:\n  collection: [\n", "line 3: invalid YAML"),
    ],
)
def test_a_bad_file_names_the_file_the_key_and_what_was_expected(write, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    """One readable message: file, key path, expectation; never a traceback."""
    path = write(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_every_problem_is_reported_at_once(write) -> None:  # type: ignore[no-untyped-def]
    """Several bad keys give several lines, not only the first."""
    with pytest.raises(ConfigError) as raised:
        load_config(write("diagnostics: {collection: {timeout: x, log_lines_limit: y}}"))
    assert len(raised.value.problems) == 2


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """An explicit path that does not exist is reported, not defaulted."""
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "absent.yaml")


def test_unstructured_config_loads_back_to_the_same(write) -> None:  # type: ignore[no-untyped-def]
    """Durations and sizes print the way the loader reads them."""
    import yaml

    config = load_config(write(SEED_EXAMPLE))
    again = load_config(write(yaml.safe_dump(unstructure_config(config))))
    assert again == config
