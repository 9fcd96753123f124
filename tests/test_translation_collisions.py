"""No message is translated two ways: Django merges every catalogue into one (LOCALE_PATHS first, then the apps in
INSTALLED_APPS order, Django's own last) and the first translation of a (context, msgid) wins, so a msgid that two
catalogues translate differently shows the other app's Chinese in one of them. Where meanings differ, one side
gives its string a context (pgettext, {% translate "…" context "…" %}) or a more specific msgid."""

from collections import defaultdict
from pathlib import Path

import polib
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts)

Key = tuple[str | None, str]


def messages(po_path: Path) -> dict[Key, str]:
    """(msgctxt, msgid) → msgstr of the translated, non-fuzzy entries of one catalogue."""
    out = {}
    for entry in polib.pofile(str(po_path)):
        if entry.obsolete or not entry.translated() or "fuzzy" in entry.flags:
            continue
        out[(entry.msgctxt, entry.msgid)] = entry.msgstr or entry.msgstr_plural.get(0, "")
    return out


def name(po_path: Path) -> str:
    """The catalogue's locale folder: "locale" for the project's, "worklists/locale" for an app's."""
    locale_dir = po_path.parents[2]
    return str(locale_dir.relative_to(ROOT)) if locale_dir.is_relative_to(ROOT) else str(locale_dir)


def collisions(paths: list[Path]) -> list[str]:
    """One line per (context, msgid) that two or more catalogues translate differently, naming each of them."""
    seen: dict[Key, dict[str, str]] = defaultdict(dict)
    for path in paths:
        for key, msgstr in messages(path).items():
            seen[key][name(path)] = msgstr
    return [
        f"{'[' + ctx + '] ' if ctx else ''}{msgid!r}: " + "; ".join(f"{where} → {text}" for where, text in found.items())
        for (ctx, msgid), found in sorted(seen.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
        if len(set(found.values())) > 1
    ]


def _po(path: Path, entries: dict[str, str]) -> Path:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for msgid, msgstr in entries.items():
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    path.parent.mkdir(parents=True)
    po.save(str(path))
    return path


def test_the_check_names_both_catalogues_of_a_message_translated_two_ways(tmp_path):
    one = _po(tmp_path / "one/locale/zh_Hans/LC_MESSAGES/django.po", {"Published": "已公布", "Name": "名称"})
    two = _po(tmp_path / "two/locale/zh_Hans/LC_MESSAGES/django.po", {"Published": "已发布", "Name": "名称"})
    (line,) = collisions([one, two])
    assert "'Published'" in line and "已公布" in line and "已发布" in line


def test_no_message_is_translated_differently_by_two_of_our_catalogues():
    assert len(CATALOGUES) > 1
    found = collisions(CATALOGUES)
    assert found == [], "translated two ways (the first catalogue wins):\n" + "\n".join(found)


def test_every_message_shows_its_own_catalogues_chinese_when_all_catalogues_are_merged():
    """Also catches the catalogues of Django's and other packages' apps listed before ours (admin, REST framework)."""
    wrong = []
    with translation.override("zh-hans"):
        for path in CATALOGUES:
            plurals = {(e.msgctxt, e.msgid): e.msgid_plural for e in polib.pofile(str(path)) if e.msgid_plural}
            for (ctx, msgid), msgstr in messages(path).items():
                if (ctx, msgid) in plurals:  # Chinese has one plural form: compare it with n=1
                    plural = plurals[(ctx, msgid)]
                    shown = translation.npgettext(ctx, msgid, plural, 1) if ctx else translation.ngettext(msgid, plural, 1)
                else:
                    shown = translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid)
                if shown != msgstr:
                    wrong.append(f"{name(path)}: {'[' + ctx + '] ' if ctx else ''}{msgid!r} → {msgstr}, but shows {shown}")
    assert wrong == [], "\n".join(wrong)
