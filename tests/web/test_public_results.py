"""Published results for everyone (issue 12): no sign-in; grades, final grades, ranks
and public commendations of the frozen snapshot; nothing before publication; never a
total, a reviewer or a person."""

import io

import pytest
from django.core.management import call_command

from serviceeval.rewards.models import PublicCommendation
from tests.reviews.helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def published():
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    score_all(cycle, [(a, r1, "0.9"), (a, r2, "0.8"), (b, r1, "0.75"), (b, r2, "0.75")])
    return cycle, a, b, r1


def test_before_publication_the_page_says_when_and_shows_nothing_else(client):
    cycle, a, b, r1 = published()
    response = client.get(f"/results/{cycle.year}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "本年度考核成績尚未公布。" in html and "預定於民國105年10月31日後公布。" in html
    assert a.name not in html and "甲等" not in html
    assert client.get(f"/results/{cycle.year}/results.ods").status_code == 404
    assert "尚未公布任何考核結果。" in client.get("/results/").content.decode()


def test_after_publication_anyone_sees_grades_and_ranks_not_totals(client):
    cycle, a, b, r1 = published()
    call_command("publish_results", "--cycle", str(cycle.year))
    PublicCommendation.objects.create(cycle=cycle, agency=a, rule="CITY-13", reason="電話禮貌")
    html = client.get(f"/results/{cycle.year}/").content.decode()
    assert a.name in html and b.name in html and "甲等" in html and "乙等" in html
    assert "850.00" not in html and "750.00" not in html  # no totals
    assert r1.username not in html
    assert "電話禮貌" in html
    index = client.get("/results/").content.decode()
    assert f"/results/{cycle.year}/" in index
    home = client.get("/").content.decode()
    assert "/results/" in home and "/submissions/public/" in home
    assert f"/results/{cycle.year}/" in home


def test_the_downloads_open_again_with_the_same_rows(client):
    from odf.opendocument import load
    from odf.table import Table

    cycle, a, b, r1 = published()
    call_command("publish_results", "--cycle", str(cycle.year))
    ods = client.get(f"/results/{cycle.year}/results.ods")
    assert ods.status_code == 200 and ods["Content-Type"].startswith(
        "application/vnd.oasis.opendocument.spreadsheet"
    )
    sheet = str(load(io.BytesIO(ods.content)).spreadsheet.getElementsByType(Table)[0])
    assert a.name in sheet and "甲等" in sheet and "850" not in sheet
    pdf = client.get(f"/results/{cycle.year}/results.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(f"/results/{cycle.year}/results.xlsx").status_code == 404


def test_the_agency_dashboard_shows_its_published_result_and_links(client):
    """Issue 12: grade, rank, dimension totals against the maximum, the feedback
    report, improvement items and the rewards of its people; nothing before
    publication, nothing of another agency."""
    from serviceeval.accounts.enums import Role
    from serviceeval.rewards.models import RewardEntry
    from tests.factories import user_for

    cycle, a, b, r1 = published()
    officer = user_for(Role.AGENCY_OFFICER, agency=a)
    client.force_login(officer)
    assert "本機關考核結果" not in client.get("/dashboard/").content.decode()
    call_command("publish_results", "--cycle", str(cycle.year))
    RewardEntry.objects.create(
        cycle=cycle, agency=a, person="主管甲", kind="commendation", count=2, rule="HSC-11"
    )
    html = client.get("/dashboard/").content.decode()
    assert "本機關考核結果" in html and "甲等" in html
    assert f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/" in html
    assert "主管甲" in html and "各構面得分" in html
    assert "333333" not in html  # exact dimension totals are shown with 2 decimals
    assert b.name not in html
    feedback = client.get(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/")
    assert feedback.status_code == 200


def test_the_public_page_is_paged_and_searched_by_agency_issue12(
    client, monkeypatch, django_assert_max_num_queries
):
    """2,000 agencies nationally: a page of them, searchable by code or name, in a
    constant number of queries; the downloads keep every row."""
    from serviceeval.web import public_results as view

    cycle, a, b, r1 = published()
    call_command("publish_results", "--cycle", str(cycle.year))
    monkeypatch.setattr(view, "PAGE_SIZE", 1)
    first = client.get(f"/results/{cycle.year}/").content.decode()
    second = client.get(f"/results/{cycle.year}/?page=2").content.decode()
    assert (a.name in first) != (a.name in second) and (b.name in first) != (b.name in second)
    assert "共列出 2 個機關" in first and 'rel="next"' in first
    found = client.get(f"/results/{cycle.year}/", {"q": b.code}).content.decode()
    assert b.name in found and a.name not in found and "共列出 1 個機關" in found
    with django_assert_max_num_queries(12):
        client.get(f"/results/{cycle.year}/?page=2")
