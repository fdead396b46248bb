"""The Traditional Chinese font embedded in ODT exports (CITY-7).

PDF gets its font from WeasyPrint; an ODT only names font faces, so `write_odt`
stores a subset of Noto Sans CJK TC Regular in the package (`Fonts/...`), the way
LibreOffice embeds fonts, and a reader without the font still sees TC glyphs.

The face is the one Debian's `fonts-noto-cjk` installs (`scripts/system-deps.sh`),
the same file WeasyPrint uses through fontconfig. It is picked out of the
collection by its name table, not by a fixed index. The subset holds the
characters the document uses plus ASCII and the common CJK punctuation, and is
deterministic: no timestamp is written (head.modified stays the source font's).

Subsetting the 16 MB CFF face costs about half a second, nearly all of it in
decompiling and pruning the face's tables; a decompiled font cannot be reused
(the subsetter changes it in place, and a deep copy costs more than reading the
file again). So what is cached per process is the located face and the subset
bytes per character set: downloading the same document again costs nothing.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import shutil
import string
import subprocess
from dataclasses import dataclass

log = logging.getLogger(__name__)

TC_FAMILY = "Noto Sans CJK TC"
TC_STYLE = "Regular"
# Where the subset lives inside the ODF package, and its manifest media type (RFC 8081).
TC_FONT_PATH = "Fonts/NotoSansCJKTC-Regular-subset.otf"
TC_FONT_MEDIA_TYPE = "font/otf"
# CFF outlines: the CSS/SVG format name is "opentype" (LibreOffice reads
# "opentype" and "truetype" alike).
TC_FONT_FORMAT = "opentype"

# Debian/Ubuntu (fonts-noto-cjk) first, then where other distributions put the file;
# fontconfig is asked last.
FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
)

# Always in the subset, so a reader can type digits, Latin and the usual
# punctuation into the document and keep the same face.
BASE_CHARS = (
    string.printable.strip() + " \u3000、。，．：；？！「」『』（）《》〈〉【】—…‧·～／％＋－＝"
)


@dataclass(frozen=True)
class Face:
    path: str
    index: int  # in the collection; 0 for a single-font file


def _face_index(path: str, family: str, style: str) -> int | None:
    """The index of the face named `family` / `style` in a font file or collection."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        with open(path, "rb") as fh:
            is_collection = fh.read(4) == b"ttcf"
        if is_collection:
            with TTCollection(path, lazy=True) as collection:
                names = [font["name"] for font in collection.fonts]
        else:
            with TTFont(path, lazy=True) as font:
                names = [font["name"]]
    except Exception as exc:  # not a font, unreadable: try the next candidate
        log.warning("cannot read font file %s: %s", path, exc)
        return None
    for index, name in enumerate(names):
        # Typographic family/subfamily (16/17) when present, else the legacy ones (1/2).
        got_family = name.getDebugName(16) or name.getDebugName(1)
        got_style = name.getDebugName(17) or name.getDebugName(2)
        if got_family == family and got_style == style:
            return index
    return None


def _fontconfig_file(family: str, style: str) -> str | None:
    if not shutil.which("fc-match"):
        return None
    try:
        done = subprocess.run(
            ["fc-match", "--format=%{file}", f"{family}:style={style}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


@functools.cache
def tc_face() -> Face | None:
    """The Noto Sans CJK TC Regular face installed on this machine, or None."""
    candidates = [p for p in FONT_FILES if os.path.exists(p)]
    found = _fontconfig_file(TC_FAMILY, TC_STYLE)
    if found and found not in candidates:
        candidates.append(found)
    for path in candidates:
        index = _face_index(path, TC_FAMILY, TC_STYLE)
        if index is not None:
            return Face(path, index)
    log.warning(
        "%s %s is not installed (Debian package fonts-noto-cjk): ODT exports "
        "name the font but cannot embed it",
        TC_FAMILY,
        TC_STYLE,
    )
    return None


def tc_subset(text: str) -> bytes | None:
    """Noto Sans CJK TC Regular reduced to the characters of `text` (plus
    BASE_CHARS), as OpenType/CFF bytes; None when the font is not installed."""
    face = tc_face()
    if face is None:
        return None
    chars = "".join(sorted(set(text) | set(BASE_CHARS)))
    return _subset(face, chars)


@functools.lru_cache(maxsize=64)
def _subset(face: Face, chars: str) -> bytes:
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont

    options = Options()
    # Keep the face's OS/2 script and code-page bits (CJK, Big5): applications use
    # them to decide the font suits Chinese text; a small subset would clear them.
    options.prune_unicode_ranges = False
    options.prune_codepage_ranges = False
    with TTFont(
        face.path,
        fontNumber=face.index,
        lazy=True,
        recalcTimestamp=False,  # else head.modified = now and the bytes change
        recalcBBoxes=False,  # the face's own boxes still enclose every glyph kept
    ) as font:
        modified = font["head"].modified
        subsetter = Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        font["head"].modified = modified
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()
