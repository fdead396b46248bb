"""Programs in the browser (issue 11 item 3): upload, download, compare."""

from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from serviceeval.accounts.enums import Role
from serviceeval.core.audit import AuditEvent
from serviceeval.engine.program_diff import ADDED, REMOVED, diff_rubrics
from serviceeval.programs.models import Program
from serviceeval.programs.services import program_load, program_parse_text
from tests.factories import user_for

PROGRAMS = Path(__file__).resolve().parents[2] / "programs"


def hsinchu_data():
    return yaml.safe_load((PROGRAMS / "hsinchu-105.yaml").read_text(encoding="utf-8"))


def dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def upload(text: str | bytes, name="program.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="application/yaml")


@pytest.fixture
def office(client, db):
    user = user_for(Role.COORDINATOR)
    client.force_login(user)
    return user


def first_leaf(rubric):
    node = rubric[0]
    while node.get("children"):
        node = node["children"][0]
    return node


@pytest.mark.django_db
def test_upload_a_valid_file_makes_a_new_version_issue11_3(client, office):
    data = hsinchu_data()
    data["version"] = 2
    response = client.post(reverse("program_upload"), {"file": upload(dump(data))})
    program = Program.objects.get(code="hsinchu-105", version=2)
    assert response.status_code == 302
    assert response.url == reverse("program_detail", args=[program.pk])
    assert program.nodes.count() == Program.objects.get(code="hsinchu-105", version=1).nodes.count()
    assert AuditEvent.objects.filter(action="program_loaded", object_id=str(program.pk)).exists()
    page = client.get(response.url)
    assert "hsinchu-105" in page.content.decode()


@pytest.mark.django_db
def test_upload_with_problems_lists_them_per_node_and_stores_nothing_issue11_3(client, office):
    """The same checks as `program_check`: each problem names where it is."""
    data = hsinchu_data()
    data["version"] = 2
    data["total_points"] = 900
    before = Program.objects.count()
    response = client.post(reverse("program_upload"), {"file": upload(dump(data))})
    assert response.status_code == 400
    assert Program.objects.count() == before
    problems = response.context["problems"]
    assert problems
    body = response.content.decode()
    for problem in problems:
        assert f"<li><code>{problem.where}</code> {problem.message}</li>" in body


@pytest.mark.django_db
def test_upload_of_broken_yaml_and_non_utf8_is_refused(client, office):
    bad_yaml = client.post(reverse("program_upload"), {"file": upload("code: [unclosed\n")})
    assert bad_yaml.status_code == 400
    assert bad_yaml.context["problems"]
    latin1 = client.post(
        reverse("program_upload"), {"file": upload("name: caf\xe9\n".encode("latin-1"))}
    )
    assert latin1.status_code == 400
    assert latin1.context["problems"][0].message.startswith("第 1 行")


@pytest.mark.django_db
def test_upload_of_a_stored_version_says_so_and_stores_nothing_city16(client, office):
    text = (PROGRAMS / "hsinchu-105.yaml").read_text(encoding="utf-8")
    same = client.post(reverse("program_upload"), {"file": upload(text)})
    assert same.status_code == 400
    assert same.context["existing"].code == "hsinchu-105"
    data = hsinchu_data()
    data["name"] = "改過的名稱"
    other = client.post(reverse("program_upload"), {"file": upload(dump(data))})
    assert other.status_code == 400
    assert other.context["problems"][0].where == "version"
    assert Program.objects.filter(code="hsinchu-105").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content",
    [("program.txt", b"code: x\n"), ("empty.yaml", b""), ("big.yaml", b"#" * (1024 * 1024 + 1))],
)
def test_upload_refuses_wrong_type_empty_and_large_files(client, office, name, content):
    before = Program.objects.count()
    response = client.post(reverse("program_upload"), {"file": upload(content, name=name)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert Program.objects.count() == before


@pytest.mark.django_db
def test_upload_without_a_file_answers_400(client, office):
    assert client.post(reverse("program_upload"), {"file": "-1"}).status_code == 400


@pytest.mark.django_db
def test_yaml_download_reloads_to_the_same_spec_issue11_3(client, office, hsinchu):
    response = client.get(reverse("program_yaml", args=[hsinchu.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hsinchu-105-v1.yaml"'
    text = response.content.decode()
    assert text == hsinchu.source
    assert program_parse_text(text) == hsinchu.spec


@pytest.mark.django_db
def test_program_page_shows_points_criteria_download_and_compare(client, office, hsinchu):
    data = hsinchu_data()
    data["version"] = 2
    v2, _ = program_load(text=dump(data))
    body = client.get(reverse("program_detail", args=[hsinchu.pk])).content.decode()
    leaf = first_leaf(data["categories"][0]["rubric"])
    assert reverse("program_yaml", args=[hsinchu.pk]) in body
    assert f'<option value="{v2.pk}">v2' in body
    assert leaf["text"].splitlines()[0].strip() in body
    response = client.get(reverse("program_detail", args=[hsinchu.pk]), {"compare": v2.pk})
    assert response.url == reverse("program_compare", args=[hsinchu.pk, v2.pk])
    # A pk that is not another version of this program is ignored.
    other = Program.objects.get(code="city-service-upgrade")
    assert (
        client.get(reverse("program_detail", args=[hsinchu.pk]), {"compare": other.pk}).status_code
        == 200
    )


def merged(data):
    """Node 1.1.1.2 folded into 1.1.1.1: one node removed, one with changed points."""
    parent = data["categories"][0]["rubric"][0]["children"][0]["children"][0]
    assert parent["code"] == "1.1.1"
    removed = parent["children"].pop()
    parent["children"][0]["max_points"] += removed["max_points"]
    parent["children"][0]["text"] = "改寫後的評分標準"
    return data


def test_diff_rubrics_finds_added_removed_and_changed_nodes():
    old = program_parse_text(dump(hsinchu_data()))
    new = program_parse_text(dump(merged(hsinchu_data())))
    assert diff_rubrics(old, old).changed == ()
    diff = diff_rubrics(old, new)
    assert diff.counts == {ADDED: 0, REMOVED: 1, "points": 1, "name": 0, "text": 1}
    (removed,) = [r for r in diff.rows if r.status == REMOVED]
    assert removed.code == "1.1.1.2" and removed.new is None
    (changed,) = [r for r in diff.rows if r.points_changed]
    assert changed.code == "1.1.1.1" and changed.points_delta == 60
    assert diff_rubrics(new, old).counts[ADDED] == 1


@pytest.mark.django_db
def test_compare_page_shows_counts_and_changed_points_issue11_3(client, office, hsinchu):
    data = merged(hsinchu_data())
    data["version"] = 2
    v2, _ = program_load(text=dump(data))
    response = client.get(reverse("program_compare", args=[v2.pk, hsinchu.pk]))
    assert response.status_code == 200
    assert response.context["old"] == hsinchu and response.context["new"] == v2
    assert response.context["counts"] == {
        "added": 0,
        "removed": 1,
        "points": 1,
        "name": 0,
        "text": 1,
    }
    body = response.content.decode()
    assert "改寫後的評分標準" in body
    assert "(+60)" in body
    assert [r.code for r in response.context["rows"]] == ["1.1.1.1", "1.1.1.2"]
    everything = client.get(reverse("program_compare", args=[v2.pk, hsinchu.pk]), {"all": "1"})
    assert len(everything.context["rows"]) == hsinchu.nodes.count()


@pytest.mark.django_db
def test_compare_of_two_programs_with_other_codes_is_404(client, office, hsinchu, city_program):
    assert (
        client.get(reverse("program_compare", args=[hsinchu.pk, city_program.pk])).status_code
        == 404
    )
    assert client.get(reverse("program_compare", args=[hsinchu.pk, 999_999])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.REVIEWER, Role.TESTER]
)
def test_only_the_office_and_superusers_manage_programs(client, hsinchu, role):
    client.force_login(user_for(role))
    urls = [
        reverse("program_upload"),
        reverse("program_yaml", args=[hsinchu.pk]),
        reverse("program_compare", args=[hsinchu.pk, hsinchu.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(reverse("program_upload"), {"file": upload("x: 1\n")}).status_code == 403
    client.force_login(user_for(role, is_superuser=True))
    for url in urls:
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_program_pages_queries_do_not_grow_with_versions(client, office, hsinchu):
    """The detail, compare and YAML pages at 1 and at 5 versions of a program: the
    same number of queries (sessions may live in the database or in Redis, so the
    figure itself differs between set-ups; its growth must not)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        latest = Program.objects.filter(code="hsinchu-105").order_by("-version").first()
        urls = [
            reverse("program_detail", args=[latest.pk]),
            reverse("program_compare", args=[latest.pk, hsinchu.pk]),
            reverse("program_yaml", args=[latest.pk]),
        ]
        client.get(urls[0])  # warm the session and caches
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    data = hsinchu_data()
    one = counts()
    for version in range(2, 6):
        data["version"] = version
        program_load(text=dump(data))
    assert counts() == one
    assert max(one) <= 8


def two_siblings(program):
    """Two leaves under one parent: moving points between them keeps every sum."""
    from serviceeval.programs.models import RubricNode

    groups = {}
    for leaf in RubricNode.objects.filter(program=program, leaf=True).order_by("position"):
        groups.setdefault((leaf.category, leaf.parent_id), []).append(leaf)
    for leaves in groups.values():
        if len(leaves) >= 2 and leaves[0].max_points >= 1:
            return leaves[:2]
    raise AssertionError("no two sibling leaves")


def field(node):
    return f"points-{node.category}-{node.code}"


@pytest.mark.django_db
def test_confirm_with_edited_points_makes_a_new_confirmed_version_city16(
    client, office, city_program
):
    """CITY-16: the provisional version never changes; a cycle that has started
    scoring keeps it, one that has not moves to the new version."""
    from django.utils import timezone

    from serviceeval.cycles.models import Cycle

    waiting = Cycle.objects.create(year=120, program=city_program, name="未開始")
    started = Cycle.objects.create(
        year=121, program=city_program, name="已開始", scoring_started_at=timezone.now()
    )
    a, b = two_siblings(city_program)
    data = {field(a): str(a.max_points - 1), field(b): str(b.max_points + 1)}
    url = reverse("program_confirm", args=[city_program.pk])
    asked = client.post(url, data)
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.content.decode()
    assert Program.objects.filter(code=city_program.code).count() == 1
    done = client.post(url, {**data, "confirmed": "1"})
    revised = Program.objects.get(code=city_program.code, version=city_program.version + 1)
    assert done.url == reverse("program_detail", args=[revised.pk])
    assert revised.confirmed_at is not None and not revised.shows_provisional_banner
    assert revised.nodes.get(code=a.code, category=a.category).max_points == a.max_points - 1
    city_program.refresh_from_db()
    assert city_program.confirmed_at is None  # the old version is untouched
    assert city_program.nodes.get(pk=a.pk).max_points == a.max_points
    waiting.refresh_from_db()
    started.refresh_from_db()
    assert waiting.program_id == revised.pk
    assert started.program_id == city_program.pk
    compare = client.get(reverse("program_compare", args=[city_program.pk, revised.pk]))
    assert compare.context["counts"]["points"] == 2


@pytest.mark.django_db
def test_confirm_with_points_that_do_not_add_up_stores_nothing(client, office, city_program):
    a, _b = two_siblings(city_program)
    url = reverse("program_confirm", args=[city_program.pk])
    response = client.post(url, {field(a): str(a.max_points + 5), "confirmed": "1"})
    assert response.status_code == 400
    assert response.context["problems"]
    assert Program.objects.filter(code=city_program.code).count() == 1
    city_program.refresh_from_db()
    assert city_program.confirmed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-1", "9" * 40, "1e309", "abc", "1.005", "NaN"])
def test_confirm_with_hostile_points_answers_400(client, office, city_program, value):
    a, _b = two_siblings(city_program)
    url = reverse("program_confirm", args=[city_program.pk])
    response = client.post(url, {field(a): value, "confirmed": "1"})
    assert response.status_code == 400
    assert Program.objects.filter(code=city_program.code).count() == 1


@pytest.mark.django_db
def test_confirm_with_unchanged_points_is_the_plain_confirmation(client, office, city_program):
    a, _b = two_siblings(city_program)
    url = reverse("program_confirm", args=[city_program.pk])
    client.post(url, {field(a): str(a.max_points), "confirmed": "1"})
    city_program.refresh_from_db()
    assert city_program.confirmed_at is not None
    assert Program.objects.filter(code=city_program.code).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    ["a: &x [1, 2]\nb: *x\n", "[" * 5000 + "]" * 5000 + "\n"],
    ids=["alias", "deep"],
)
def test_upload_refuses_aliases_and_deep_nesting_before_building_it(client, office, text):
    response = client.post(reverse("program_upload"), {"file": upload(text)})
    assert response.status_code == 400
    assert response.context["problems"][0].where == "（檔案）"
