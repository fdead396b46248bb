"""zh-Hant catalogue tools, pure Python (no gettext binaries needed).

  python scripts/i18n.py compile   # .po -> .mo for every locale
  python scripts/i18n.py check     # every msgid in code/templates has a zh-Hant msgstr
  python scripts/i18n.py missing   # print the missing msgids as .po entries to paste

Each app keeps its own catalogue in src/serviceeval/<app>/locale/zh_Hant/LC_MESSAGES/django.po
(Django reads every installed app's locale/ folder); shared strings live in
src/serviceeval/locale/.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "serviceeval"
LOCALE = SRC / "locale"

_STR = r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\''
PY_RE = re.compile(
    r"(?<![\w.])(?:_|gettext|gettext_lazy|pgettext_lazy)\(\s*(?:" + _STR + r")\s*[,)]"
)
TPL_RE = re.compile(r"\{%\s*(?:translate|trans)\s+(?:" + _STR + r")")
TPL_FILTER_RE = re.compile(r"_\((?:" + _STR + r")\)")


def _unescape(s: str) -> str:
    return s.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def extract() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for m in PY_RE.finditer(path.read_text(encoding="utf-8")):
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            found.setdefault(_unescape(raw), str(path.relative_to(ROOT)))
    for path in SRC.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for regex in (TPL_RE, TPL_FILTER_RE):
            for m in regex.finditer(text):
                raw = m.group(1) if m.group(1) is not None else m.group(2)
                found.setdefault(raw, str(path.relative_to(ROOT)))
    return found


def zh_catalogues() -> list[Path]:
    """The project catalogue plus each app's own (src/serviceeval/<app>/locale/...)."""
    return sorted(SRC.rglob("locale/zh_Hant/LC_MESSAGES/django.po"))


def missing() -> dict[str, str]:
    done = set()
    for path in zh_catalogues():
        done |= {e.msgid for e in polib.pofile(str(path)) if e.msgstr and "fuzzy" not in e.flags}
    return {k: v for k, v in extract().items() if k and k not in done}


def compile_all() -> None:
    for po_path in SRC.rglob("locale/*/LC_MESSAGES/django.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "compile":
        compile_all()
        return 0
    gaps = missing()
    if cmd == "missing":
        for msgid, where in sorted(gaps.items()):
            print(f'#: {where}\nmsgid {polib.escape(msgid)!r}\nmsgstr ""\n'.replace("'", '"'))
        return 0
    for msgid, where in sorted(gaps.items()):
        print(f"missing zh-Hant translation: {msgid!r} ({where})")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
