"""Shell completion scripts for ``scdiag``, generated from its argument parser.

Generated rather than written by hand, so a new command, flag or a flag a
provider plugin declares is completed without a change here. bash and fish
get native scripts; zsh runs the bash one through ``bashcompinit``.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Mapping, Sequence

__all__ = ["completion_script"]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse exposes its actions only this way
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [action for action in parser._actions if action.option_strings and action.help != argparse.SUPPRESS]


def _values(action: argparse.Action, hints: Mapping[str, Sequence[str]]) -> list[str]:
    if action.choices:
        return [str(choice) for choice in action.choices]
    for flag in action.option_strings:
        if flag in hints:
            return list(hints[flag])
    return []


def _bash(parser: argparse.ArgumentParser, hints: Mapping[str, Sequence[str]]) -> str:
    commands = _subcommands(parser)
    top = " ".join([*commands, *(flag for action in _options(parser) for flag in action.option_strings)])
    cases = []
    value_cases = []
    for name, sub in commands.items():
        flags = " ".join(flag for action in _options(sub) for flag in action.option_strings)
        positional = [a for a in sub._actions if not a.option_strings and a.choices]
        words = " ".join([flags, *(str(c) for a in positional for c in a.choices or ())])
        cases.append(f"    {name}) words={shlex.quote(words)} ;;")
        for action in _options(sub):
            values = _values(action, hints)
            if values and action.nargs != 0:
                patterns = "|".join(f"{name}:{flag}" for flag in action.option_strings)
                value_cases.append(f"    {patterns}) COMPREPLY=($(compgen -W {shlex.quote(' '.join(values))} -- \"$cur\")); return ;;")
    names = "|".join(commands)
    return f"""# bash completion for scdiag (generated: scdiag completion bash)
_scdiag() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" cmd="" words=""
  local word
  for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
    case "$word" in {names}) cmd="$word"; break ;; esac
  done
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W {shlex.quote(top)} -- "$cur")); return
  fi
  case "$cmd:$prev" in
{chr(10).join(value_cases)}
  esac
  case "$cmd" in
{chr(10).join(cases)}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur"))
  fi
}}
complete -o default -F _scdiag scdiag
"""


def _fish(parser: argparse.ArgumentParser, hints: Mapping[str, Sequence[str]]) -> str:
    lines = ["# fish completion for scdiag (generated: scdiag completion fish)", "complete -c scdiag -f"]
    commands = _subcommands(parser)
    for name, sub in commands.items():
        lines.append(f"complete -c scdiag -n __fish_use_subcommand -a {name} -d {shlex.quote(sub.description or '')}")
    for name, sub in commands.items():
        condition = f"'__fish_seen_subcommand_from {name}'"
        for action in _options(sub):
            parts = [f"complete -c scdiag -n {condition}"]
            for flag in action.option_strings:
                parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
            values = _values(action, hints)
            if action.nargs != 0:
                parts.append("-r")
                if values:
                    parts.append(f"-a {shlex.quote(' '.join(values))}")
                elif action.metavar in ("PATH", "FILE"):
                    parts.append("-F")
            if action.help:
                parts.append(f"-d {shlex.quote(action.help.split(';')[0][:80])}")
            lines.append(" ".join(parts))
        for action in sub._actions:
            if not action.option_strings and action.choices:
                lines.append(f"complete -c scdiag -n {condition} -a {shlex.quote(' '.join(map(str, action.choices)))}")
            elif not action.option_strings and action.dest == "paths":
                lines.append(f"complete -c scdiag -n {condition} -F")
    return "\n".join(lines) + "\n"


def completion_script(parser: argparse.ArgumentParser, shell: str, hints: Mapping[str, Sequence[str]] | None = None) -> str:
    """The completion script for ``shell`` (``bash``, ``zsh`` or ``fish``).

    ``hints`` names the values of flags whose values the parser does not
    list (``--provider``: the installed providers; ``--output``: the formats).
    """
    known = hints or {}
    if shell == "bash":
        return _bash(parser, known)
    if shell == "zsh":
        return "#compdef scdiag\n# zsh completion for scdiag (generated: scdiag completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n" + _bash(parser, known)
    if shell == "fish":
        return _fish(parser, known)
    raise ValueError(f"no completion for shell {shell!r}; one of bash, zsh, fish")
