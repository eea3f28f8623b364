"""The scdiag command: exit codes, one-line errors, the offline main job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scdiag.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "k8s-oom-kill"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Usage errors exit 2."""
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse errors exit 2 with one line."""
    with pytest.raises(SystemExit) as raised:
        main(["diagnose", "--provider", "aws"])
    assert raised.value.code == 2
    assert "scdiag: error: the following arguments are required: --service" in capsys.readouterr().err


def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A configuration error names file and key, without a traceback."""
    config = tmp_path / "c.yaml"
    config.write_text("diagnostics: {collection: {timeout: soon}}\n")
    assert main(["--config", str(config), "providers"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{config}: diagnostics.collection.timeout" in err
    assert "Traceback" not in err


def test_a_config_file_named_like_a_command_is_no_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The command is the first word after the top-level options and their values, as argparse reads the line."""
    monkeypatch.chdir(tmp_path)
    Path("patterns").write_text("diagnostics: {cache: {enabled: false}}\n")
    assert main(["-c", "patterns", "analyze", str(EXAMPLE), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["root_cause"]["pattern_id"] == "container-oom-kill"


def test_help_for_a_command_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    out = capsys.readouterr().out
    assert "--output-file" in out and "--since" in out


def test_a_provider_that_is_not_installed_names_the_extra(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With the plugin blocked, diagnose says what to install and exits 2."""
    monkeypatch.setenv("SCDIAG_DISABLE_PLUGINS", "gcp")
    assert main(["diagnose", "--provider", "gcp", "--service", "web"]) == 2
    assert "pip install 'simple-container-diagnostics[gcp]'" in capsys.readouterr().err


def test_analyze_prints_the_root_cause_of_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's main job: the shipped OOM example is diagnosed as an OOM kill."""
    assert main(["analyze", str(EXAMPLE), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("FAILED: orders-api: Container killed for exceeding its memory limit")
    assert "OOMKilled" in out


def test_analyze_json_carries_status_and_root_cause(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json has status and root_cause.pattern_id / confidence."""
    assert main(["analyze", str(EXAMPLE), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "failed"
    assert document["root_cause"]["pattern_id"] == "container-oom-kill"
    assert 0.7 <= document["root_cause"]["confidence"] <= 1.0


def test_analyze_of_a_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist exits 2 naming it."""
    assert main(["analyze", str(tmp_path / "nope")]) == 2
    assert "nope: no such file or directory" in capsys.readouterr().err


def test_analyze_of_unreadable_inputs_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only empty and binary files: nothing could be read."""
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    assert main(["analyze", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "empty file" in err and "binary file" in err


def test_output_writes_the_report_to_a_file(tmp_path: Path) -> None:
    """--output FILE writes there instead of standard output."""
    target = tmp_path / "report.md"
    assert main(["analyze", str(EXAMPLE), "--format", "markdown", "--output-file", str(target)]) == 0
    assert target.read_text().startswith("## scdiag: FAILED")


def test_providers_lists_the_four_first_party_providers(capsys: pytest.CaptureFixture[str]) -> None:
    """Each first-party provider appears with what it can do."""
    assert main(["providers", "--format", "json"]) == 0
    names = [row["name"] for row in json.loads(capsys.readouterr().out)["providers"]]
    assert names[:4] == ["aws", "gcp", "kubernetes", "azure"]


def test_patterns_json_lists_the_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    """patterns --format json gives id, name, category, severity, providers, wrapper."""
    assert main(["patterns", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"id", "name", "category", "severity", "providers", "wrapper"} == set(rows[0])
    assert any(row["id"] == "container-oom-kill" for row in rows)


def test_patterns_show_an_unknown_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A wrong id exits 2."""
    assert main(["patterns", "show", "no-such-pattern"]) == 2
    assert "no pattern 'no-such-pattern'" in capsys.readouterr().err


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    """version prints scdiag's version."""
    from scdiag import __version__

    assert main(["version"]) == 0
    assert capsys.readouterr().out.startswith(f"scdiag {__version__}")


def test_config_may_follow_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`scdiag providers --config FILE` reads FILE like `scdiag --config FILE providers`."""
    config = tmp_path / "c.yaml"
    config.write_text("diagnostics: {collection: {timeout: soon}}\n")
    assert main(["providers", "--config", str(config)]) == 2
    assert "diagnostics.collection.timeout" in capsys.readouterr().err


def test_text_nothing_recognises_exits_3_with_what_to_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ordinary text: exit 3, the formats scdiag reads, and how to capture a deployment."""
    target = tmp_path / "notes.txt"
    target.write_text("deployed at noon\nlooked fine to me\n")
    assert main(["analyze", str(target)]) == 3
    err = capsys.readouterr().err
    assert "nothing in the input was recognised" in err
    assert "kubectl-describe" in err and "ecs-console-text" in err
    assert "scdiag capture --provider" in err


def test_unrecognised_text_that_names_a_provider_gets_its_capture_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A note that quotes an ECS task ARN points to the aws capture commands, filled with the service."""
    target = tmp_path / "notes.txt"
    target.write_text("the task arn:aws:ecs:eu-west-1:111122223333:task/prod/abc went away\n")
    assert main(["analyze", str(target), "--service", "web"]) == 3
    err = capsys.readouterr().err
    assert "looks like aws ecs output" in err
    assert "aws ecs describe-services --cluster <cluster> --services web --region <region>" in err


def test_capture_prints_the_commands_with_the_flags_filled_in(capsys: pytest.CaptureFixture[str]) -> None:
    """scdiag capture --print -p k8s: kubectl commands for the namespace and service."""
    assert main(["capture", "--print", "-p", "k8s", "--service", "orders", "--namespace", "shop"]) == 0
    out = capsys.readouterr().out
    assert "kubectl get events -n shop -o json > events.json" in out
    assert "kubectl get deployment orders -n shop -o json > deployment.json" in out


def test_capture_of_an_unknown_provider_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2 naming the providers that have a guide."""
    assert main(["capture", "-p", "nomad", "--service", "web"]) == 2
    assert "no capture guide for provider 'nomad'" in capsys.readouterr().err


def test_kubectl_output_without_the_kubernetes_extra_says_what_to_install(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Not analysed as plain text: the install line instead."""
    monkeypatch.setenv("SCDIAG_DISABLE_PLUGINS", "k8s")
    target = tmp_path / "pods.txt"
    target.write_text("NAME          READY   STATUS             RESTARTS      AGE\nweb-7f8c-x2   0/1     CrashLoopBackOff   7 (32s ago)   11m\n")
    assert main(["analyze", str(target)]) == 3
    err = capsys.readouterr().err
    assert "this looks like kubectl output, but scdiag's kubernetes support is not installed: pip install 'simple-container-diagnostics[k8s]'" in err


def test_an_option_of_another_provider_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--namespace belongs to kubernetes: with --provider aws it is refused, naming aws's own options."""
    assert main(["diagnose", "--provider", "aws", "--service", "web", "--namespace", "shop"]) == 2
    assert "--namespace is not an option of provider aws (its options: --cluster)" in capsys.readouterr().err


def test_diagnose_help_lists_each_providers_options(capsys: pytest.CaptureFixture[str]) -> None:
    """The flags and which provider reads each come from the installed providers."""
    with pytest.raises(SystemExit):
        main(["diagnose", "--help"])
    out = capsys.readouterr().out
    assert "aws: ECS cluster name or ARN" in out and "kubernetes: namespace of the workload" in out


HEALTHY = EXAMPLE.parent / "k8s-healthy-rollout"


def test_the_version_flag_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    """scdiag --version, as every CLI has it."""
    from scdiag import __version__

    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.strip() == f"scdiag {__version__}"


@pytest.mark.parametrize("flag", ["-o", "--output", "--format", "-f"])
def test_the_output_flag_names_the_format_as_in_kubectl(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    """-o json prints the JSON report (not a file named json)."""
    assert main(["analyze", str(EXAMPLE), flag, "JSON"]) == 0
    assert json.loads(capsys.readouterr().out)["root_cause"]["pattern_id"] == "container-oom-kill"


def test_an_unknown_format_is_refused_before_any_input_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2 naming the formats; the inputs are not even looked at."""
    fifo = tmp_path / "never-written"
    import os

    os.mkfifo(fifo)  # reading it would block forever
    assert main(["analyze", str(fifo), "-o", "pdf"]) == 2
    err = capsys.readouterr().err
    assert "unknown output format 'pdf'; one of" in err and "markdown" in err


def test_output_file_writes_the_report_there(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--output-file PATH: the report in the file, a note on stderr, nothing on stdout."""
    target = tmp_path / "report.md"
    assert main(["analyze", str(EXAMPLE), "-o", "markdown", "--output-file", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "container-oom-kill" in target.read_text()
    assert f"report written to {target}" in captured.err


def test_an_unwritable_output_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory as the target: one readable line, no traceback."""
    assert main(["analyze", str(EXAMPLE), "-o", "text", "--output-file", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: cannot write the report" in err and "Traceback" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    assert main(["analyze", str(EXAMPLE), "-o", "text", "--output-file", "/dev/full"]) == 2
    err = capsys.readouterr().err
    assert "/dev/full: cannot write the report: No space left on device" in err and "Traceback" not in err


@pytest.mark.parametrize(("example", "code"), [(EXAMPLE, 1), (HEALTHY, 0)])
def test_exit_code_fails_the_ci_step_only_on_a_diagnosed_failure(example: Path, code: int) -> None:
    """--exit-code: 1 for a failed deployment, 0 for a healthy one."""
    assert main(["analyze", str(example), "-o", "text", "--exit-code"]) == code


def test_without_exit_code_a_diagnosed_failure_still_exits_0() -> None:
    """The report was produced: that is success unless --exit-code asks otherwise."""
    assert main(["analyze", str(EXAMPLE), "-o", "text"]) == 0


def test_quiet_prints_only_the_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """-q: not even the note about the written file."""
    assert main(["analyze", str(EXAMPLE), "-o", "text", "-q", "--output-file", str(tmp_path / "r.txt")]) == 0
    assert capsys.readouterr().err == ""


def test_verbose_says_which_reader_read_each_input(capsys: pytest.CaptureFixture[str]) -> None:
    """-v: the reader choices and the time taken; without it, stderr stays quiet."""
    assert main(["analyze", str(EXAMPLE), "-o", "text", "-v"]) == 0
    err = capsys.readouterr().err
    assert "pods.json: kubectl-get-json" in err and "read and analysed in" in err
    assert main(["analyze", str(EXAMPLE), "-o", "text"]) == 0
    assert "kubectl-get-json" not in capsys.readouterr().err


def test_k8s_is_accepted_for_kubernetes(capsys: pytest.CaptureFixture[str]) -> None:
    """-p k8s, as people type it."""
    assert main(["capture", "--print", "-p", "k8s", "-s", "web", "-n", "shop"]) == 0
    assert "kubectl get deployment web -n shop -o json" in capsys.readouterr().out


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_the_completion_script_is_valid_and_knows_every_command(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Generated from the parser: every command, the provider flags, the formats; bash accepts it."""
    import shutil
    import subprocess

    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for word in ("diagnose", "analyze", "capture", "providers", "patterns", "completion", "--namespace", "--exit-code", "markdown"):
        assert word in script
    if shutil.which("bash") and shell == "bash":
        done = subprocess.run(["bash", "-c", script + "\nCOMP_WORDS=(scdiag diagnose -p ''); COMP_CWORD=3; _scdiag; echo \"${COMPREPLY[@]}\""], capture_output=True, text=True)
        assert done.returncode == 0 and "kubernetes" in done.stdout.split()


def test_fish_completion_describes_each_command(capsys: pytest.CaptureFixture[str]) -> None:
    """fish gets its own script, one line per command and flag."""
    assert main(["completion", "fish"]) == 0
    script = capsys.readouterr().out
    assert "complete -c scdiag -n __fish_use_subcommand -a analyze" in script
    assert "-l exit-code" in script


def test_help_lists_the_exit_codes_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    """Every exit code is documented where users look."""
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "1    with --exit-code" in out and "3    nothing could be collected" in out


_ABANDON_MATCHING_THEN_EXIT = """
import sys
from scdiag import regex
from scdiag.cli import run
from scdiag.deadline import Abandoned, call_within

expression = regex.compile(r"(a+)+b")
text = "a" * 2000


def match_forever():
    while True:
        expression.search(text)


for worker in range(4):
    try:
        call_within(match_forever, 0.01, name=f"matcher-{worker}")
    except Abandoned:
        pass
sys.argv = ["scdiag", "version"]
run()
"""


def test_the_command_exits_with_its_own_code_while_abandoned_work_is_still_matching() -> None:
    """RE2 releases the GIL while it matches: finalising under such a thread aborts the process (134)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _ABANDON_MATCHING_THEN_EXIT], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("scdiag ")


def test_analyze_keeps_the_plugins_entry_points_in_the_cache_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCDIAG_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["analyze", str(EXAMPLE), "-q", "--output-file", str(tmp_path / "report.txt")]) == 0
    assert list((tmp_path / "cache" / "plugins").glob("*.json"))


def test_analyze_keeps_no_entry_points_when_the_cache_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCDIAG_CACHE_DIR", str(tmp_path / "cache"))
    config = tmp_path / "c.yaml"
    config.write_text("diagnostics: {cache: {enabled: false}}\n")
    assert main(["analyze", str(EXAMPLE), "-q", "-c", str(config), "--output-file", str(tmp_path / "report.txt")]) == 0
    assert not (tmp_path / "cache" / "plugins").exists()


_COLLECTOR_WHILE_READING = """
import gc, sys
import scdiag.captures.pipeline as pipeline
from scdiag.cli import run

read = pipeline.read_captures

def reading(*args, **kwargs):
    print("collector on while reading:", gc.isenabled())
    return read(*args, **kwargs)

pipeline.read_captures = reading
sys.argv = ["scdiag", "analyze", sys.argv[1], "-q", "--output-file", sys.argv[2]]
run()
"""


def test_the_collector_runs_again_before_the_inputs_are_read(tmp_path: Path) -> None:
    """Startup runs without the cyclic collector; a reader's garbage must still be collected."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _COLLECTOR_WHILE_READING, str(EXAMPLE), str(tmp_path / "report.txt")], capture_output=True, text=True, timeout=60)
    assert done.stdout == "collector on while reading: True\n"
