#!/usr/bin/env python3
"""Fails when `tcpstats-reader --help` names a long option that the man page
does not document as an option entry (a .TP item whose tag names it).

usage: check_man_page.py TOOL MAN_PAGE
"""
import re
import subprocess
import sys


def roff_to_text(line):
    """The text of a roff line: escapes and font changes removed."""
    line = line.replace("\\-", "-")
    line = re.sub(r"\\f[BIRP]", "", line)
    return line


def documented_options(man_page):
    """Long options named in the tag line after each .TP."""
    options = set()
    lines = open(man_page, encoding="utf-8").read().splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == ".TP":
            options.update(re.findall(r"--[a-z][a-z0-9-]*", roff_to_text(lines[i + 1])))
    return options


def main():
    tool, man_page = sys.argv[1], sys.argv[2]
    help_text = subprocess.run([tool, "--help"], check=True, capture_output=True, text=True).stdout
    offered = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", help_text))
    if not offered:
        print("no long option found in --help", file=sys.stderr)
        return 1
    missing = sorted(offered - documented_options(man_page))
    if missing:
        print(f"{man_page}: no .TP entry for {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"all {len(offered)} long options of --help are in the man page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
