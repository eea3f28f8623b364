"""Development sessions: `nox -l` lists them; `nox -s NAME` runs one."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.sessions = ["tests", "mypy", "lint"]
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
ADAPTERS = ["dists/scdiag-aws", "dists/scdiag-gcp", "dists/scdiag-k8s", "dists/scdiag-azure"]
EDITABLE = ["-e", ".", *(arg for path in ADAPTERS for arg in ("-e", path))]


def _install_dev(session: nox.Session, *groups: str) -> None:
    session.install(*EDITABLE)
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (all five distributions installed editable)."""
    _install_dev(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
@nox.parametrize("extra", [None, "aws", "gcp", "k8s", "azure"])
def tests_extra(session: nox.Session, extra: str | None) -> None:
    """With only one provider extra (or none): the others say how to install them (after `nox -s build`)."""
    session.install("." if extra is None else f".[{extra}]", "--find-links", "dist")
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "tests/unit/test_public_api.py", "tests/extras", *session.posargs)


@nox.session
def mypy(session: nox.Session) -> None:
    """mypy --strict over src/ with every extra installed."""
    _install_dev(session, "lint")
    session.run("mypy", "--strict", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """import-linter: the core knows no cloud, adapters know no other adapter."""
    _install_dev(session, "lint")
    session.run("lint-imports")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site (mkdocs-material, API reference by mkdocstrings) into site/, warnings as errors."""
    _install_dev(session, "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def build(session: nox.Session) -> None:
    """Build wheels and sdists of all five distributions into dist/."""
    session.install("build", "hatchling")
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    for project in [".", *ADAPTERS]:
        session.run("python", "-m", "build", "--no-isolation", "--outdir", "dist", project)


@nox.session
def eval(session: nox.Session) -> None:
    """Accuracy per rendering of tests/corpus (gated), then on ../shared/field when present (reported); whether the shipped calibration is the development part's fit."""
    # The calibration fit reads the runtime wordings' probe events from their test module, which imports pytest.
    _install_dev(session, "test")
    session.run("python", "tests/corpus/evaluate.py", *session.posargs)
    session.run("python", "tests/field/evaluate_field.py")
    session.run("python", "tests/corpus/calibrate.py")


@nox.session
def bench(session: nox.Session) -> None:
    """Matching speed, `scdiag analyze` time and memory (1,000,000-line log and pastes); ECS and Cloud Run collection under latency; watch time to verdict; masking a 100 MB hostile log; --timeout against a silent server; every input shape against its floor (line read, json.load, grep, ripgrep, import scdiag)."""
    _install_dev(session, "test")
    session.run("python", "benchmarks/bench_analyze.py", *session.posargs)
    session.run("python", "benchmarks/bench_pastes.py")
    session.run("python", "benchmarks/bench_collection.py")
    session.run("python", "benchmarks/bench_watch.py")
    session.run("python", "benchmarks/bench_masking.py", "--mb", "100", "--runs", "1")
    session.run("python", "benchmarks/bench_silent_server.py")
    # Last: it exits 1 while a target of its table is missed, and the figures above still print.
    session.run("python", "benchmarks/bench_floors.py")
