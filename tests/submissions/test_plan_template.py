"""CITY-2: the plan's template depends on the category (Annex 1 overall service,
Annex 2 project planning): each of the six sections says what it holds under the
agency's own template, with the category's dimensions from the program."""

import pytest
from django.utils import translation

from serviceeval.agencies.enums import AgencyKind
from serviceeval.submissions.enums import PLAN_GUIDANCE, PLAN_SECTIONS

from .conftest import build_world

pytestmark = pytest.mark.django_db


def _plan_page(client, category):
    w = build_world(
        program_code="city-service-upgrade", kind=AgencyKind.FIRST_LEVEL, category=category
    )
    client.force_login(w.officer)
    response = client.get(f"/submissions/{w.cycle.year}/plan/{w.agency.pk}/edit/")
    assert response.status_code == 200
    return response


def test_overall_service_plan_shows_annex_1_guidance_with_its_five_dimensions_city2(client):
    response = _plan_page(client, "overall")
    form = response.context["form"]
    content = form["sec_content"].help_text
    assert content.startswith("依各評核構面（基礎服務、服務遞送、服務量能、服務評價、開放創新）")
    html = response.content.decode()
    assert 'aria-describedby="id_sec_content_helptext"' in html
    assert 'id="id_sec_content_helptext"' in html
    assert "範本：附件1（整體服務類）" in html


def test_project_plan_shows_annex_2_guidance_city2_city4(client):
    form = _plan_page(client, "project").context["form"]
    assert form["sec_content"].help_text.startswith(
        "依各評核構面（問題分析、規劃內容、推動成效、開放創新）說明解決方法"
    )
    assert form["sec_overview"].help_text.startswith("專案欲解決之問題")


def test_every_section_has_its_own_guidance_per_category_in_zh_hant():
    codes = [code for code, _label in PLAN_SECTIONS]
    for category in ("overall", "project"):
        assert list(PLAN_GUIDANCE[category]) == codes
    with translation.override("zh-hant"):
        for code in codes:
            overall = str(PLAN_GUIDANCE["overall"][code])
            project = str(PLAN_GUIDANCE["project"][code])
            assert overall != project, code
            for text in (overall, project):
                assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
