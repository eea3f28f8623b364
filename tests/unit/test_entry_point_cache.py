"""The installed plugins' entry points, kept between runs while the installed distributions stay the same."""

from __future__ import annotations

import importlib
import importlib.metadata
import textwrap
from pathlib import Path

import pytest

from scdiag.plugins import PluginHost

_PLUGIN = '''
from scdiag.plugins import hookimpl


@hookimpl
def scdiag_register_providers(registry):
    registry.add_provider("late", "scdiag.testing:StaticProvider", description="installed after the first run")
'''


def _loaded(host: PluginHost) -> list[tuple[str, str | None, str | None]]:
    return [(plugin.name, plugin.distribution, plugin.version) for plugin in host.loaded]


def _refuse_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_kwargs: object) -> None:
        raise AssertionError("entry points looked up again")

    monkeypatch.setattr(importlib.metadata, "entry_points", refuse)


@pytest.fixture(name="site")
def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on the import path holding a plugin's module, not yet installed as a distribution."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "late_plugin.py").write_text(textwrap.dedent(_PLUGIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    return site


def _install(site: Path) -> None:
    info = site / "late_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: late-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[scdiag]\nlate = late_plugin\n", encoding="utf-8")
    importlib.invalidate_caches()


def test_a_later_run_loads_the_same_plugins_without_looking_them_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = PluginHost(entry_point_cache=tmp_path / "plugins")
    _refuse_lookups(monkeypatch)
    again = PluginHost(entry_point_cache=tmp_path / "plugins")
    assert _loaded(again) == _loaded(first)
    assert _loaded(first)
    assert not again.failures


def test_a_distribution_installed_after_a_run_is_found(tmp_path: Path, site: Path) -> None:
    before = PluginHost(entry_point_cache=tmp_path / "plugins")
    _install(site)
    after = PluginHost(entry_point_cache=tmp_path / "plugins")
    assert "late" not in before.providers()
    assert ("late", "late-plugin", "1.0") in _loaded(after)
    assert "late" in after.providers()


def test_a_distribution_removed_after_a_run_is_no_longer_loaded(tmp_path: Path, site: Path) -> None:
    _install(site)
    PluginHost(entry_point_cache=tmp_path / "plugins")
    for file in (site / "late_plugin-1.0.dist-info").iterdir():
        file.unlink()
    (site / "late_plugin-1.0.dist-info").rmdir()
    importlib.invalidate_caches()
    assert "late" not in PluginHost(entry_point_cache=tmp_path / "plugins").providers()


def test_a_damaged_list_is_looked_up_again(tmp_path: Path) -> None:
    expected = _loaded(PluginHost(entry_point_cache=tmp_path / "plugins"))
    (kept,) = (tmp_path / "plugins").iterdir()
    kept.write_text('[["aws", 7]]', encoding="utf-8")
    assert _loaded(PluginHost(entry_point_cache=tmp_path / "plugins")) == expected
    assert kept.read_text(encoding="utf-8") != '[["aws", 7]]'


def test_without_a_cache_directory_nothing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    PluginHost()
    assert list(tmp_path.iterdir()) == []
