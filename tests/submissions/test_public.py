"""CITY-7: accepted plans on a public page, as ODT and PDF with a TC font."""

import io
import zipfile

import pytest

from serviceeval.submissions import services
from serviceeval.submissions.exporters import plan_blocks
from serviceeval.submissions.services import SaveInput

from .helpers import complete_input, plan, save


def accepted_plan(w):
    sub = plan(w)
    data = complete_input(sub)
    data.sections["content"] = "一處收件、全程服務"
    save(sub, w.officer, data)
    services.submission_approve(submission=sub, user=w.head)
    services.submission_submit(submission=sub, user=w.officer)
    services.submission_accept(submission=sub, user=w.office)
    return sub


@pytest.mark.django_db
def test_public_page_lists_accepted_plans_without_login_city7(client, city):
    accepted_plan(city)
    draft = plan(city, city.other)
    save(draft, city.other_officer, SaveInput(sections={"cover": "草稿"}))
    response = client.get(f"/submissions/public/{city.cycle.year}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert city.agency.name in html
    assert city.other.name not in html
    assert str(city.cycle.year) in client.get("/submissions/public/").content.decode()


@pytest.mark.django_db
def test_public_plan_downloads_as_odt_city7(client, city):
    accepted_plan(city)
    response = client.get(f"/submissions/public/{city.cycle.year}/{city.agency.pk}/plan.odt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.text"
    assert "attachment; filename*=utf-8''" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    content = archive.read("content.xml").decode()
    assert "一處收件、全程服務" in content
    assert "管考規定" in content
    from odf.opendocument import load

    doc = load(io.BytesIO(response.content))
    assert "一處收件、全程服務" in str(doc.text)


@pytest.mark.django_db
def test_public_plan_downloads_as_pdf_with_embedded_tc_font_city7(client, city):
    sub = accepted_plan(city)
    response = client.get(f"/submissions/public/{city.cycle.year}/{city.agency.pk}/plan.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    from weasyprint import HTML

    from serviceeval.exports.writers import blocks_to_html

    uncompressed = HTML(string=blocks_to_html(*plan_blocks(sub))).write_pdf(uncompressed_pdf=True)
    assert b"Noto-Sans-CJK-TC" in uncompressed


@pytest.mark.django_db
def test_unaccepted_plan_is_not_public(client, city):
    sub = plan(city)
    save(sub, city.officer, complete_input(sub))
    assert (
        client.get(f"/submissions/public/{city.cycle.year}/{city.agency.pk}/plan.odt").status_code
        == 404
    )
    assert (
        client.get(f"/submissions/public/{city.cycle.year}/{city.agency.pk}/plan.doc").status_code
        == 404
    )
    assert client.get("/submissions/public/999/").status_code == 404
