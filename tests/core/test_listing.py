"""Issue 12 item 4: the shared list parameters (search, filters, sort, page in the URL)."""

from django.http import QueryDict
from django.template import Context, Template

from serviceeval.core.listing import ListSpec

SPEC = ListSpec(
    filters=("group", "status"),
    sorts={"code": ("code",), "name": ("name", "code"), "total": ("-total", "code")},
    default_sort="code",
)


def read(query):
    return SPEC.read(QueryDict(query))


def test_unknown_parameters_and_sorts_fall_back_and_pages_are_bounded():
    listing = read("sort=password&page=99999999999999999999&evil=1&group=G1&q=%20衛生%20")
    assert listing.sort == "code" and listing.page == 1_000_000
    assert listing.filters == {"group": "G1"} and listing.q == "衛生"
    assert read("page=abc").page == 1 and read("page=-3").page == 1


def test_descending_flips_every_ordering_term():
    assert read("sort=total").order_by() == ["-total", "code"]
    assert read("sort=-total").order_by() == ["total", "-code"]
    assert read("").order_by() == ["code"]


def test_links_keep_filters_and_reset_the_page():
    listing = read("group=G1&q=局&sort=name&page=3")
    assert listing.query == "q=%E5%B1%80&group=G1&sort=name&page=3"
    assert listing.query_without_page == "q=%E5%B1%80&group=G1&sort=name"
    assert listing.sort_link("name") == ("q=%E5%B1%80&group=G1&sort=-name", "ascending")
    assert listing.sort_link("total") == ("q=%E5%B1%80&group=G1&sort=total", "none")
    assert read("sort=-name").sort_link("name") == ("sort=name", "descending")


def test_sort_header_writes_aria_sort_and_the_link():
    html = Template('{% load listing %}{% sort_header listing "name" "名稱" %}').render(
        Context({"listing": read("sort=name")})
    )
    assert 'aria-sort="ascending"' in html and 'href="?sort=-name"' in html and "名稱" in html
    html = Template('{% load listing %}{% sort_header listing "total" "總分" %}').render(
        Context({"listing": read("sort=name")})
    )
    assert "aria-sort" not in html and 'href="?sort=total"' in html
