"""Run by scripts/export_pot.sh inside `odoo-bin shell` (``env`` is the shell's environment):
writes <addon>/i18n/<addon>.pot from Odoo's export and merges each <addon>/i18n/<lang>.po with it."""

import io
import os
import re
from pathlib import Path

import polib

from odoo.tools.translate import trans_export

# OCA's .pot files carry no dates: a regeneration that changes no term changes no byte
DATE_LINES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', re.MULTILINE)


def export_pot(addon):
    buffer = io.BytesIO()
    trans_export(False, [addon], buffer, "po", env.cr)  # noqa: F821 (the shell's env)
    return DATE_LINES.sub("", buffer.getvalue().decode())


def merge(po_path, pot_text):
    """The .po with the .pot's entries (comments, occurrences) and its own translations."""
    old = polib.pofile(str(po_path))
    translated = {entry.msgid: entry for entry in old if entry.msgstr and not entry.obsolete}
    new = polib.pofile(pot_text)
    new.header, new.metadata = old.header, old.metadata
    for entry in new:
        if entry.msgid in translated:
            entry.msgstr = translated[entry.msgid].msgstr
            if "fuzzy" in translated[entry.msgid].flags:
                entry.flags.append("fuzzy")
    dropped = sorted(set(translated) - {entry.msgid for entry in new})
    text = DATE_LINES.sub("", str(new))
    po_path.write_text(text)
    return dropped


root = Path(os.environ["G2P_POT_ROOT"])
for addon in os.environ["G2P_POT_ADDONS"].split(","):
    i18n = root / addon / "i18n"
    i18n.mkdir(exist_ok=True)
    pot_text = export_pot(addon)
    (i18n / f"{addon}.pot").write_text(pot_text)
    print(f"[pot] {addon}/i18n/{addon}.pot: {len(polib.pofile(pot_text))} terms")
    for po_path in sorted(i18n.glob("*.po")):
        for msgid in merge(po_path, pot_text):
            print(f"[pot] {po_path.relative_to(root)}: dropped the translation of an obsolete term {msgid!r}")
