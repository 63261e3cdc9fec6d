#!/usr/bin/env python3
"""Lists the terms of each addon's i18n/<lang>.po that are not translated yet: absent from the .po,
empty, fuzzy, or whose placeholders (%s, %(name)s, {name}) differ from the English. Exit status 1
when there is one. `make pot` first, so that the .po files hold every term of the .pot files.

    .venv/bin/python scripts/po_untranslated.py                 # every <addon>/i18n/*.po
    .venv/bin/python scripts/po_untranslated.py g2p_partner_ingest/i18n/fr.po
    .venv/bin/python scripts/po_untranslated.py --summary       # one line per file

The cross-module tests (tests/g2p_suite_tests, test_translations) use the same check."""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}]*\}")


def placeholders(text):
    return Counter(PLACEHOLDER.findall(text))


def untranslated(po_path):
    """[(msgid, why)] for each term of the addon's .pot the .po does not translate (well)."""
    po_path = Path(po_path)
    pot_path = po_path.parent / f"{po_path.parent.parent.name}.pot"
    entries = {entry.msgid: entry for entry in polib.pofile(str(po_path)) if not entry.obsolete}
    problems = []
    for term in polib.pofile(str(pot_path)):
        entry = entries.get(term.msgid)
        if entry is None:
            problems.append((term.msgid, "missing from the .po (run make pot)"))
        elif not entry.msgstr.strip():
            problems.append((term.msgid, "not translated"))
        elif "fuzzy" in entry.flags:
            problems.append((term.msgid, "fuzzy"))
        elif placeholders(entry.msgid) != placeholders(entry.msgstr):
            problems.append((term.msgid, f"placeholders differ in {entry.msgstr!r}"))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("po_files", nargs="*", type=Path)
    parser.add_argument("--summary", action="store_true", help="one line per file instead of every term")
    args = parser.parse_args()
    po_files = args.po_files or sorted(ROOT.glob("*/i18n/*.po"))
    found = 0
    for po_path in po_files:
        problems = untranslated(po_path)
        found += len(problems)
        shown = po_path.resolve().relative_to(ROOT) if po_path.resolve().is_relative_to(ROOT) else po_path
        print(f"{shown}: {len(problems)} term(s) to translate")
        if not args.summary:
            for msgid, why in problems:
                print(f"  {why}: {msgid!r}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
