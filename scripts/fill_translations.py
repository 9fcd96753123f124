"""Fill a .po file from a Python dict of translations (msgid → msgstr); report what is still missing."""

import runpy
import sys

import polib

po_path, table_path = sys.argv[1], sys.argv[2]
table = runpy.run_path(table_path)
po = polib.pofile(po_path)
missing = []
for entry in po:
    if entry.msgid_plural:
        text = table.get("PLURAL", {}).get(entry.msgid)
        if text:
            entry.msgstr_plural = {0: text}
    elif entry.msgid in table["T"]:
        entry.msgstr = table["T"][entry.msgid]
    if "fuzzy" in entry.flags and (entry.msgstr or entry.msgstr_plural.get(0)):
        entry.flags.remove("fuzzy")
    if not (entry.msgstr or (entry.msgstr_plural and entry.msgstr_plural.get(0))):
        missing.append(entry.msgid)
po.save()
print(f"{len(missing)} missing", *missing, sep="\n")
