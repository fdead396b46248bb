"""Issue 15 item 2: with zh-Hant selected, no English word and no internal code
reaches a person.

Every page of the app is read, with real ids from the demo data, as every role and
as an anonymous visitor, in zh-Hant. What a person reads (text, and the
placeholder / aria-label / alt / title / button value attributes) must hold no ASCII
word outside an allow-list: codes a person types or recognises (rubric codes,
agency and program codes, usernames, e-mail addresses, file names, rule IDs as
small references, format names such as PDF). Text inside `<code>`, `<kbd>`,
`<samp>` and elements marked `lang="en"` is code or English on purpose. Rule IDs
never stand in a heading, a label, a button or a column header.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.web.test_no_server_errors import ROLES, app_urls, fillings, url_for

WORD = re.compile(r"[A-Za-z]{2,}")
RULE_ID = re.compile(r"\b(?:HSC|CITY)-\d+\b")
# Names of formats, products and brands, written as they are in Chinese text too.
ALLOWED_WORDS = {
    "serviceeval",
    "PDF",
    "ODF",
    "ODT",
    "ODS",
    "XLSX",
    "CSV",
    "YAML",
    "MB",
    "NT",
    "URL",
    "QR",
    "Code",
    "App",
    "Google",
    "Microsoft",
    "Authenticator",
    "Web",
    "Facebook",
    "YouTube",
    "Twitter",
    "Loomio",
    "LINE",
    "Office",
    # File types as people write them in Chinese instructions (「png、jpg 或 pdf」).
    *[
        "pdf",
        "odt",
        "ods",
        "odp",
        "docx",
        "xlsx",
        "pptx",
        "doc",
        "xls",
        "ppt",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "csv",
    ],
}
ALLOWED_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"[\w.-]+\.(?:xlsx|ods|csv|pdf|odt|odp|yaml|yml|png|jpe?g|gif|docx?|pptx?|xls)\b"),
    re.compile(r"https?://\S+"),
    RULE_ID,
    re.compile(r"\b[A-Z]{2,3}-\d+\b"),  # agency codes (HC-101)
    re.compile(r"\bv\d+\b"),  # program versions
]
WATCHED_ATTRS = ("placeholder", "aria-label", "alt", "title")
QUIET_TAGS = {"script", "style", "code", "kbd", "samp"}
NO_RULE_ID_TAGS = {"h1", "h2", "h3", "h4", "legend", "caption", "label", "button", "th"}
VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr", "area", "base"}


class Reading(HTMLParser):
    """What a person reads on a page, and what stands in headings and labels."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, quiet)
        self.read: list[str] = []
        self.headings: list[str] = []

    def _quiet(self):
        return any(q for _t, q in self.stack)

    def _in(self, tags):
        return any(t in tags for t, _q in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        quiet = tag in QUIET_TAGS or (a.get("lang") or "").startswith("en")
        if not (quiet or self._quiet()):
            self.read.extend(a[k] for k in WATCHED_ATTRS if a.get(k) and k != "title")
            if a.get("title"):
                # Rule IDs are welcome in a title: that is where a reference goes.
                self.read.append(RULE_ID.sub("", a["title"]))
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.read.append(a["value"])
                self.headings.append(a["value"])
        if tag not in VOID:
            self.stack.append((tag, quiet))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._quiet() or not data.strip():
            return
        self.read.append(data)
        if self._in(NO_RULE_ID_TAGS):
            self.headings.append(data)


def known_codes():
    """Codes from the data that a person recognises: usernames, program codes."""
    from serviceeval.accounts.models import User
    from serviceeval.programs.models import Program

    words = set(User.objects.values_list("username", flat=True))
    words |= set(Program.objects.values_list("code", flat=True))
    return sorted(words, key=len, reverse=True)


def english_in(text: str, codes) -> list[str]:
    for pattern in ALLOWED_PATTERNS:
        text = pattern.sub(" ", text)
    for code in codes:
        text = re.sub(rf"(?<![\w-]){re.escape(code)}(?![\w-])", " ", text)
    return [w for w in WORD.findall(text) if w not in ALLOWED_WORDS]


def pages():
    for route, pattern in app_urls():
        if pattern.name in ("logout",):
            continue
        yield url_for(route, fillings(route)[0])


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_every_page_reads_in_zh_hant_only_issue15(username):
    from serviceeval.accounts.models import User
    from serviceeval.demo import build

    build()
    codes = known_codes()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-Hant")
    if username:
        client.force_login(User.objects.get(username=username))
    english: dict[str, set[str]] = defaultdict(set)
    rule_ids: dict[str, set[str]] = defaultdict(set)
    read = 0
    for url in pages():
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        page = Reading()
        page.feed(response.content.decode())
        for part in page.read:
            for line in part.splitlines():
                if english_in(line, codes):
                    english[url].add(line.strip()[:160])
        for part in page.headings:
            if RULE_ID.search(part):
                rule_ids[url].add(part.strip()[:160])
    assert read >= 10, f"only {read} pages read: the crawl lost its way"
    report = [f"{url}: {line}" for url, lines in sorted(english.items()) for line in sorted(lines)]
    report += [
        f"{url}: rule ID in a heading or label: {line}"
        for url, lines in sorted(rule_ids.items())
        for line in sorted(lines)
    ]
    assert report == [], "\n".join(report)


def test_the_reading_skips_code_and_english_on_purpose():
    """The allow-list is narrow: an English word in running text is caught, the
    same word inside <code> or lang="en" is not, and a rule ID in a heading is."""
    page = Reading()
    page.feed(
        "<h2>評分（HSC-9）</h2><p>尚未填寫 (no narrative)</p>"
        "<p><code>python manage.py</code> <a lang='en' href='?'>English</a></p>"
        "<p title='HSC-9'>依規定 HC-101 expert1@demo.tw 檔案.xlsx</p>"
    )
    found = [w for part in page.read for w in english_in(part, ["expert1"])]
    assert found == ["no", "narrative"]
    assert page.headings == ["評分（HSC-9）"]
