"""Config changes render as the YAML a user edits."""

from __future__ import annotations

from scdiag.models import ConfigChange
from scdiag.reporting.config_diff import config_diff_lines, split_key_path


def test_a_key_path_becomes_nested_yaml() -> None:
    """Each key is one level; before and after are the last key's lines."""
    change = ConfigChange(file="client.yaml", key_path="stacks.prod.config.size.memory", before="256", after="512")
    assert config_diff_lines(change) == [
        "  stacks:",
        "    prod:",
        "      config:",
        "        size:",
        "-         memory: 256",
        "+         memory: 512",
    ]


def test_quoted_keys_stay_whole() -> None:
    """Compose labels with dots and slashes are one key."""
    assert split_key_path('services.web.labels."simple-container.com/ingress/port"') == ["services", "web", "labels", "simple-container.com/ingress/port"]


def test_an_addition_has_no_removed_line() -> None:
    """A new key only adds."""
    lines = config_diff_lines(ConfigChange(file="f", key_path="a.b", after="x"))
    assert lines == ["  a:", "+   b: x"]
