"""CITY-7: ODT exports carry a subset of Noto Sans CJK TC, embedded the way
LibreOffice embeds fonts, so the text shows in TC glyphs where the font is not
installed. Read back with zipfile, ElementTree and fontTools."""

import io
import zipfile
from types import SimpleNamespace
from xml.etree import ElementTree

from fontTools.ttLib import TTFont

from serviceeval.exports import fonts
from serviceeval.exports.fonts import TC_FONT_MEDIA_TYPE, TC_FONT_PATH, tc_face
from serviceeval.exports.writers import Block, write_odt

NS = {
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
TITLE = "為民服務考核 實施計畫"
BLOCKS = [
    Block("heading", "計畫內容", level=2),
    Block("paragraph", "一處收件、全程服務\n鑫泰里服務據點骨幹人員說明"),
    Block("table", header=["機關", "總分"], rows=[["衛生局", 812], ["稅務局", None]]),
]


def _odt(title=TITLE, blocks=BLOCKS):
    return zipfile.ZipFile(io.BytesIO(write_odt(title, blocks)))


def _face_name(font):
    return font["name"].getDebugName(1), font["name"].getDebugName(2)


def test_odt_embeds_a_tc_font_subset_covering_its_text_city7():
    odt = _odt()
    assert TC_FONT_PATH in odt.namelist()
    manifest = ElementTree.fromstring(odt.read("META-INF/manifest.xml"))
    entries = {
        e.get(f"{{{NS['manifest']}}}full-path"): e.get(f"{{{NS['manifest']}}}media-type")
        for e in manifest.findall("manifest:file-entry", NS)
    }
    assert entries[TC_FONT_PATH] == TC_FONT_MEDIA_TYPE
    for part in ("content.xml", "styles.xml"):
        root = ElementTree.fromstring(odt.read(part))
        face = root.find("office:font-face-decls/style:font-face", NS)
        assert face.get(f"{{{NS['style']}}}name") == "Noto Sans CJK TC"
        assert face.get(f"{{{NS['svg']}}}font-family") == "'Noto Sans CJK TC'"
        uri = face.find("svg:font-face-src/svg:font-face-uri", NS)
        assert uri.get(f"{{{NS['xlink']}}}href") == TC_FONT_PATH
        fmt = uri.find("svg:font-face-format", NS)
        assert fmt.get(f"{{{NS['svg']}}}string") == "opentype"
    settings = ElementTree.fromstring(odt.read("settings.xml"))
    embed = [
        item.text
        for item in settings.iter(f"{{{NS['config']}}}config-item")
        if item.get(f"{{{NS['config']}}}name") == "EmbedFonts"
    ]
    assert embed == ["true"]

    data = odt.read(TC_FONT_PATH)
    assert len(data) < 1_000_000  # a subset: the face alone is about 16 MB
    font = TTFont(io.BytesIO(data))
    assert _face_name(font) == ("Noto Sans CJK TC", "Regular")
    # Installable embedding: LibreOffice uses such a font for editing, not only viewing.
    assert font["OS/2"].fsType == 0
    cmap = font.getBestCmap()
    body = ElementTree.fromstring(odt.read("content.xml")).find("office:body", NS)
    text = "".join(body.itertext())
    assert "為民服務考核" in text and "鑫" in text
    missing = {c for c in text if not c.isspace() and ord(c) not in cmap}
    assert missing == set()
    for c in "0123456789ABCxyz,.;:!?()、。，「」":  # always there for later edits
        assert ord(c) in cmap
    # Only what the document needs (plus ASCII and punctuation), not the font's 44 000 glyphs.
    assert ord("龍") not in cmap
    assert len(font.getGlyphOrder()) < 400


def test_the_embedded_glyphs_are_the_traditional_chinese_ones_city7():
    """The TC face is picked out of the collection by name: 骨 and 說 have TC
    forms different from the JP/SC ones in the same file."""
    from fontTools.ttLib import TTCollection

    face = tc_face()
    with TTCollection(face.path, lazy=True) as collection:
        names = [_face_name(f) for f in collection.fonts]
        cmaps = [f.getBestCmap() for f in collection.fonts]
    assert names[face.index] == ("Noto Sans CJK TC", "Regular")
    jp = names.index(("Noto Sans CJK JP", "Regular"))
    embedded = TTFont(io.BytesIO(_odt().read(TC_FONT_PATH))).getBestCmap()
    for c in "骨說":
        assert embedded[ord(c)] == cmaps[face.index][ord(c)]
        assert embedded[ord(c)] != cmaps[jp][ord(c)]


def test_odt_with_the_embedded_font_is_reproducible_city7():
    """Same input, same bytes, also when the subset is computed again (no font
    timestamp: head.modified stays the installed face's)."""
    fonts._subset.cache_clear()
    first = write_odt(TITLE, BLOCKS)
    fonts._subset.cache_clear()
    second = write_odt(TITLE, BLOCKS)
    assert first == second
    face = tc_face()
    with TTFont(face.path, fontNumber=face.index, lazy=True) as source:
        installed = source["head"].modified
    embedded = TTFont(io.BytesIO(zipfile.ZipFile(io.BytesIO(first)).read(TC_FONT_PATH)))
    assert embedded["head"].modified == installed
    for info in zipfile.ZipFile(io.BytesIO(first)).infolist():
        assert info.date_time == (2000, 1, 1, 0, 0, 0)


def test_public_plan_odt_embeds_the_font_city7():
    """The public plan download (`submissions.exporters.plan_odt`) goes through it."""
    from serviceeval.submissions.exporters import plan_odt

    plan = SimpleNamespace(
        agency=SimpleNamespace(name="鑫城區公所"),
        cycle=SimpleNamespace(year=114, program=SimpleNamespace(name="為民服務考核")),
        sections={"content": "一處收件、全程服務"},
    )
    odt = zipfile.ZipFile(io.BytesIO(plan_odt(plan)))
    cmap = TTFont(io.BytesIO(odt.read(TC_FONT_PATH))).getBestCmap()
    assert all(ord(c) in cmap for c in "鑫城區公所為民服務考核一處收件、全程服務")


def test_without_the_font_installed_the_odt_still_names_it(monkeypatch):
    monkeypatch.setattr(fonts, "tc_face", lambda: None)
    odt = _odt()
    assert TC_FONT_PATH not in odt.namelist()
    assert TC_FONT_PATH not in odt.read("META-INF/manifest.xml").decode()
    root = ElementTree.fromstring(odt.read("styles.xml"))
    face = root.find("office:font-face-decls/style:font-face", NS)
    assert face.get(f"{{{NS['style']}}}name") == "Noto Sans CJK TC"
    assert face.find("svg:font-face-src", NS) is None
    assert "為民服務考核" in odt.read("content.xml").decode()
