"""The frozen part's manifest: one SHA-256 per scenario, over its files' names and bytes.

    python tests/corpus/frozen_manifest.py          # print the manifest of what is on disk
    python tests/corpus/frozen_manifest.py --write  # rewrite MANIFEST.sha256 (a new frozen scenario)

A frozen scenario never changes once written: tests/corpus/test_frozen.py
fails when one does. To replace one, add a new scenario under a new name.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

FROZEN = Path(__file__).parent / "frozen"
MANIFEST = FROZEN / "MANIFEST.sha256"


def scenario_hash(directory: Path) -> str:
    """SHA-256 over every file of the scenario: its relative name, a NUL, its bytes, in name order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def current() -> dict[str, str]:
    """Scenario name -> hash, for every scenario on disk."""
    return {d.name: scenario_hash(d) for d in sorted(FROZEN.iterdir()) if d.is_dir()}


def recorded() -> dict[str, str]:
    """Scenario name -> hash, as MANIFEST.sha256 records them."""
    entries = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            entries[name] = digest
    return entries


def render(entries: dict[str, str]) -> str:
    header = "# Frozen scenarios: never edited, never used to write or widen a pattern. Regenerate only to add one.\n"
    return header + "".join(f"{digest}  {name}\n" for name, digest in sorted(entries.items()))


if __name__ == "__main__":
    text = render(current())
    if "--write" in sys.argv[1:]:
        MANIFEST.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
