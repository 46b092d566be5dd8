#!/usr/bin/env python3
"""Checks the shape of tools/reader/ that docs/design.md describes.

- Includes point down the layers: a unit may include its own folder and the
  folders of lower layers only (folders of one rank do not include each other).
- No folder under tools/ holds more than 16 C++ files.

Exits 1 naming every violation."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
READER = ROOT / "tools" / "reader"
# Lower rank = lower layer; the data flows upwards.
RANKS = {"core": 0, "codec": 1, "sources": 2, "pipeline": 3, "archive": 4, "output": 4, "metrics": 4,
         "cli": 5, "": 6}  # "" is main.cpp, in tools/reader itself
MAX_FILES = 16
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path: pathlib.Path) -> str:
    parts = path.relative_to(READER).parts
    return parts[0] if len(parts) > 1 else ""


def main() -> int:
    problems = []
    for unit in sorted(READER.rglob("*")):
        if unit.suffix not in (".cpp", ".hpp"):
            continue
        here = layer_of(unit)
        if here not in RANKS:
            problems.append(f"{unit.relative_to(ROOT)}: folder '{here}' has no layer in tools/check_layers.py")
            continue
        for target in INCLUDE.findall(unit.read_text()):
            top = target.split("/")[0]
            if top not in RANKS or top == "":
                continue  # the library (tcpstats/...), generated or system headers
            if top != here and RANKS[top] >= RANKS[here]:
                problems.append(f"{unit.relative_to(ROOT)}: includes {target}, which is not below '{here or 'main'}'")
    for folder in sorted(p for p in (ROOT / "tools").rglob("*") if p.is_dir()):
        count = sum(1 for f in folder.iterdir() if f.suffix in (".cpp", ".hpp"))
        if count > MAX_FILES:
            problems.append(f"{folder.relative_to(ROOT)}: {count} C++ files (at most {MAX_FILES})")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
