"""scdiag watch from the command line: the JSON-lines contract, read by a shell script as a deploy tool would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from scdiag.reporting.watch_lines import watch_event_schema

from tests.adapters.conftest import SCENARIOS
from tests.adapters.k8s.fake_apiserver import FakeKubeAPI, kubeconfig

POD = "web-7f8c9d6b5-x2kqp"
ROOT = Path(__file__).resolve().parents[2]
SCDIAG = [sys.executable, "-m", "scdiag"]


@pytest.fixture(name="doomed_cluster")
def _doomed_cluster(tmp_path: Path) -> Iterator[Path]:
    """A cluster whose new pod cannot pull its image; the kubeconfig pointing at it."""
    api = FakeKubeAPI().start()
    api.load_directory(SCENARIOS / "k8s-image-not-found", pod=POD)
    yield kubeconfig(tmp_path / "kubeconfig", api.url)
    api.stop()


def _watch_args(config: Path, *extra: str) -> list[str]:
    return [*SCDIAG, "watch", "-p", "k8s", "-n", "shop", "-s", "web", "--kubeconfig", str(config), "--context", "fake", "--interval", "0.2s", "--timeout", "60s", "--since", "30d", *extra]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SCDIAG_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT / "src")}


def test_every_jsonl_line_matches_the_published_schema(doomed_cluster: Path, tmp_path: Path) -> None:
    """Progress, events, a verdict and the report, each line valid against docs/watch-event-schema.json."""
    done = subprocess.run(_watch_args(doomed_cluster, "-o", "jsonl"), capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    schema = watch_event_schema()
    for line in lines:
        jsonschema.validate(line, schema)
    assert [line["type"] for line in lines][-2:] == ["verdict", "report"]
    assert lines[-2]["verdict"]["outcome"] == "doomed" and lines[-1]["report"]["root_cause"]["pattern_id"] == "image-not-found"


def test_the_published_schema_is_the_one_the_code_writes() -> None:
    """docs/watch-event-schema.json is regenerated whenever the lines change."""
    published = json.loads((ROOT / "docs" / "watch-event-schema.json").read_text())
    assert published == watch_event_schema()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_shell_script_follows_the_stream_and_gets_the_exit_code(doomed_cluster: Path, tmp_path: Path) -> None:
    """A non-Python caller: read line by line as they come, act on the verdict, keep scdiag's exit code."""
    command = " ".join(f"'{part}'" for part in _watch_args(doomed_cluster, "-o", "jsonl"))
    script = tmp_path / "deploy.sh"
    script.write_text(
        "set -o pipefail\n"
        f"{command} | while IFS= read -r line; do\n"
        '  case "$line" in\n'
        '    *\'"type": "progress"\'*) echo "progress" ;;\n'
        '    *\'"type": "verdict"\'*) echo "verdict: $(printf %s "$line" | sed -e \'s/.*"outcome": "\\([a-z_]*\\)".*/\\1/\')" ;;\n'
        '    *\'"type": "report"\'*) echo "report received" ;;\n'
        "  esac\n"
        "done\n"
        'echo "scdiag exited $?"\n'
    )
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    out = done.stdout.splitlines()
    assert "progress" in out and "verdict: doomed" in out and "report received" in out
    assert out[-1] == "scdiag exited 1"


def test_text_output_prints_one_line_per_change_then_the_report(doomed_cluster: Path, tmp_path: Path) -> None:
    """The default for a terminal: the changes as they happen, the verdict, then the diagnosis."""
    done = subprocess.run(_watch_args(doomed_cluster, "-o", "text"), capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert done.returncode == 1
    assert "] rollout web-7f8c9d6b5:" in done.stdout and "] DOOMED: web: doomed: The image or tag does not exist" in done.stdout
    assert "image-not-found" in done.stdout.split("DOOMED", 1)[1]


def test_in_a_terminal_the_view_is_redrawn_in_place_then_the_report_follows(doomed_cluster: Path, tmp_path: Path) -> None:
    """stdout a terminal and the interactive format: the panel, the verdict line, then the report."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(_watch_args(doomed_cluster, "-o", "interactive"), stdout=follower, stderr=follower, env={**_env(tmp_path), "COLUMNS": "120"})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 1
    os.close(leader)
    screen = b"".join(chunks).decode("utf-8", errors="replace")
    assert "scdiag watch web" in screen and "DOOMED: web: doomed" in screen
    assert "image-not-found" in screen.split("DOOMED", 1)[1] or "image or tag does not exist" in screen.split("DOOMED", 1)[1]
