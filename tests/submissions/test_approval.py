"""The approval path (issue 13 item 1): the officer sees what is missing and sends
a complete plan or report to the head (送首長核定); the head is told, finds it in
"待我核定" on the dashboard, approves (and submits) or returns it to the officer
with a comment; every step asks for confirmation; a return's reason stands at the
top of the submission and on the dashboard (CITY-2, HSC-2, CITY-6)."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.notifications.models import Notification
from serviceeval.submissions import panels, selectors, services
from serviceeval.submissions.enums import EventKind, State
from serviceeval.submissions.models import Submission, SubmissionEvent
from serviceeval.submissions.services import EntryInput, SaveInput
from tests.factories import AgencyFactory, make_cycle, user_for

from .helpers import complete_input, report, save

pytestmark = pytest.mark.django_db


def detail_url(w, agency=None):
    return f"/submissions/{w.cycle.year}/report/{(agency or w.agency).pk}/"


def with_emails(w):
    for user in (w.officer, w.head):
        user.email = f"{user.username}@example.gov.tw"
        user.save()


def complete(w, sub=None):
    sub = sub or report(w)
    save(sub, w.officer, complete_input(sub))
    sub.refresh_from_db()
    return sub


def notices(kind, event):
    return {n.user for n in Notification.objects.filter(key=f"{kind}:{event.pk}")}


# --- services ---------------------------------------------------------------------------


def test_request_needs_a_complete_submission_and_tells_the_heads_city2(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """CITY-2: "送首長核定" only when complete; the head is told in the app and by e-mail."""
    with_emails(world)
    sub = report(world)
    save(sub, world.officer, SaveInput(entries={"1.1.1.1": EntryInput(narrative="只寫一項")}))
    with pytest.raises(services.Incomplete):
        services.submission_request_approval(submission=sub, user=world.officer)
    complete(world, sub)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_request_approval(submission=sub, user=world.officer)
    sub.refresh_from_db()
    assert sub.state == State.AWAITING_APPROVAL
    event = sub.events.get(kind=EventKind.REQUEST_APPROVAL)
    assert (event.from_state, event.to_state, event.actor) == (
        "draft",
        "awaiting_approval",
        world.officer,
    )
    assert notices("approval_requested", event) == {world.head}
    [mail] = [m for m in mailoutbox if m.to == [world.head.email]]
    assert mail.subject == f"{world.agency.name}：績效報告待您核定"
    assert detail_url(world) in mail.body
    # Sent once: the head decides now.
    with pytest.raises(services.SubmissionError):
        services.submission_request_approval(submission=sub, user=world.officer)


def test_request_is_refused_when_the_agency_has_no_head_city2(world):
    world.head.is_active = False
    world.head.save()
    sub = complete(world)
    with pytest.raises(services.SubmissionError, match="首長帳號"):
        services.submission_request_approval(submission=sub, user=world.officer)
    sub.refresh_from_db()
    assert sub.state == State.DRAFT


def test_head_approves_and_submits_in_one_step_and_the_officers_are_told_city2(world):
    sub = complete(world)
    services.submission_request_approval(submission=sub, user=world.officer)
    services.submission_approve(submission=sub, user=world.head, and_submit=True)
    sub.refresh_from_db()
    assert sub.state == State.SUBMITTED and sub.submitted_at is not None
    kinds = [(e.kind, e.from_state, e.to_state) for e in sub.events.all()]
    assert kinds[-3:] == [
        ("request_approval", "draft", "awaiting_approval"),
        ("approve", "awaiting_approval", "approved"),
        ("submit", "approved", "submitted"),
    ]
    assert notices("submission_approved", sub.events.get(kind="approve")) == {world.officer}


def test_head_returns_it_to_the_officer_with_a_required_comment_city2(world):
    """The head's return is not the office's: back to draft (not "returned"), to the
    officers, and its comment stands until the officer sends it again."""
    sub = complete(world)
    services.submission_request_approval(submission=sub, user=world.officer)
    with pytest.raises(services.SubmissionError, match="意見"):
        services.submission_head_return(submission=sub, user=world.head, reason="  ")
    with pytest.raises(services.SubmissionError):
        services.submission_head_return(submission=sub, user=world.officer, reason="x")
    services.submission_head_return(submission=sub, user=world.head, reason="請補充滿意度趨勢")
    sub.refresh_from_db()
    assert sub.state == State.DRAFT
    event = sub.events.get(kind=EventKind.HEAD_RETURN)
    assert (event.reason, event.from_state) == ("請補充滿意度趨勢", "awaiting_approval")
    assert notices("submission_returned", event) == {world.officer}
    assert [e.reason for e in selectors.open_returns([sub.pk])[sub.pk]] == ["請補充滿意度趨勢"]
    services.submission_request_approval(submission=sub, user=world.officer)
    assert selectors.open_returns([sub.pk]) == {}


def test_the_office_return_stands_until_the_agency_submits_again(world):
    sub = complete(world)
    services.submission_approve(submission=sub, user=world.head, and_submit=True)
    services.submission_return(submission=sub, user=world.office, reason="請補充佐證資料")
    save(sub, world.officer, SaveInput(sections={"survey_method": "改為網路問卷"}))
    services.submission_request_approval(submission=sub, user=world.officer)
    services.submission_head_return(submission=sub, user=world.head, reason="抽樣方法也要改")
    standing = selectors.open_returns([sub.pk])[sub.pk]
    assert [(e.kind, e.reason) for e in standing] == [
        ("head_return", "抽樣方法也要改"),
        ("return", "請補充佐證資料"),
    ]
    services.submission_request_approval(submission=sub, user=world.officer)
    assert [e.kind for e in selectors.open_returns([sub.pk])[sub.pk]] == ["return"]
    services.submission_approve(submission=sub, user=world.head)
    services.submission_submit(submission=sub, user=world.officer)
    assert selectors.open_returns([sub.pk]) == {}


def test_a_change_withdraws_the_request_and_the_approval_city2(world):
    sub = complete(world)
    services.submission_request_approval(submission=sub, user=world.officer)
    change = SaveInput(entries={"1.1.1.1": EntryInput(narrative="再修改", self_score=Decimal(1))})
    save(sub, world.officer, change)
    sub.refresh_from_db()
    assert sub.state == State.DRAFT
    services.submission_approve(submission=sub, user=world.head)
    save(sub, world.officer, SaveInput(sections={"survey_method": "再改一次"}))
    sub.refresh_from_db()
    assert sub.state == State.DRAFT
    with pytest.raises(services.SubmissionError):
        services.submission_submit(submission=sub, user=world.officer)


def test_accept_tells_the_agency_staff(world):
    sub = complete(world)
    services.submission_approve(submission=sub, user=world.head, and_submit=True)
    services.submission_accept(submission=sub, user=world.office)
    event = sub.events.get(kind="accept")
    assert notices("submission_accepted", event) == {world.officer, world.head}


def test_a_first_level_head_approves_only_its_own_agency_city6(city):
    child = AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=city.agency)
    from serviceeval.cycles.services import participant_add

    participant_add(cycle=city.cycle, agency=child, user=None)
    child_officer = user_for(Role.AGENCY_OFFICER, agency=child)
    user_for(Role.AGENCY_HEAD, agency=child)
    sub = report(city, child)
    save(sub, child_officer, complete_input(sub))
    services.submission_request_approval(submission=sub, user=child_officer)
    with pytest.raises(services.SubmissionError):
        services.submission_approve(submission=sub, user=city.head)
    with pytest.raises(services.SubmissionError):
        services.submission_head_return(submission=sub, user=city.head, reason="x")
    assert selectors.awaiting_approval_for(city.head) == []


# --- pages -------------------------------------------------------------------------------


def test_the_page_lists_what_is_missing_then_offers_the_request_city2(client, world):
    sub = report(world)
    save(sub, world.officer, SaveInput(entries={"1.1.1.1": EntryInput(narrative="只寫一項")}))
    client.force_login(world.officer)
    html = client.get(detail_url(world)).content.decode()
    assert 'id="missing"' in html
    assert "1.1.1.2" in html and "下一步：補齊下列尚缺項目" in html
    assert "request-approval/" not in html
    complete(world, sub)
    html = client.get(detail_url(world)).content.decode()
    assert 'id="missing"' not in html
    assert "下一步：送首長核定。" in html and "request-approval/" in html
    assert "approve/" not in html  # the officer does not approve


def test_every_step_asks_for_confirmation_first_city2(client, world):
    """Request, approve (and submit), the head's return, submit, the office's return
    and accept each answer a confirmation page that changes nothing; confirmed, they act."""
    sub = complete(world)
    steps = [
        (
            world.officer,
            "request-approval/",
            {},
            "要將績效報告送首長核定嗎？",
            State.AWAITING_APPROVAL,
        ),
        (
            world.head,
            "head-return/",
            {"reason": "請再確認"},
            "要將績效報告退回承辦人嗎？",
            State.DRAFT,
        ),
        (world.officer, "request-approval/", {}, "送首長核定", State.AWAITING_APPROVAL),
        (world.head, "approve/", {}, "要核定績效報告嗎？", State.APPROVED),
        (world.officer, "submit/", {}, "要將績效報告送出至研考單位嗎？", State.SUBMITTED),
        (world.office, "return/", {"reason": "請補件"}, "退回修正嗎？", State.RETURNED),
    ]
    for user, action, data, title, after in steps:
        client.force_login(user)
        before = Submission.objects.get(pk=sub.pk).state
        page = client.post(detail_url(world) + action, data)
        assert page.status_code == 200, action
        html = page.content.decode()
        assert title in html, action
        assert 'name="confirmed" value="1"' in html
        for name, value in data.items():
            assert f'name="{name}" value="{value}"' in html  # the typed reason is kept
        assert Submission.objects.get(pk=sub.pk).state == before
        done = client.post(detail_url(world) + action, {**data, "confirmed": "1"})
        assert done.status_code == 302, action
        assert Submission.objects.get(pk=sub.pk).state == after, action
    client.force_login(world.head)
    save(sub, world.officer, SaveInput(sections={"survey_method": "補件"}))
    page = client.post(detail_url(world) + "approve/", {"then": "submit"}).content.decode()
    assert "要核定績效報告並送出嗎？" in page and 'name="then" value="submit"' in page
    client.post(detail_url(world) + "approve/", {"then": "submit", "confirmed": "1"})
    assert Submission.objects.get(pk=sub.pk).state == State.SUBMITTED
    client.force_login(world.office)
    page = client.post(detail_url(world) + "accept/").content.decode()
    assert "要同意備查" in page
    client.post(detail_url(world) + "accept/", {"confirmed": "1"})
    assert Submission.objects.get(pk=sub.pk).state == State.ACCEPTED


def test_a_step_that_cannot_succeed_is_refused_without_asking(client, world):
    sub = report(world)
    save(sub, world.officer, SaveInput(sections={"survey_method": "問卷"}))
    client.force_login(world.officer)
    response = client.post(detail_url(world) + "request-approval/", follow=True)
    assert "未送出：資料尚未填寫完整" in response.content.decode()
    complete(world, sub)
    services.submission_request_approval(submission=sub, user=world.officer)
    client.force_login(world.head)
    response = client.post(detail_url(world) + "head-return/", {"reason": ""}, follow=True)
    assert "請填寫給承辦人的意見" in response.content.decode()
    sub.refresh_from_db()
    assert sub.state == State.AWAITING_APPROVAL


def test_editing_an_approved_draft_asks_first_and_says_approval_is_needed_again_city2(
    client, world
):
    sub = complete(world)
    services.submission_approve(submission=sub, user=world.head)
    sub.refresh_from_db()
    client.force_login(world.officer)
    edit = detail_url(world) + "edit/"
    assert "儲存任何修改將撤銷核定" in client.get(edit).content.decode()
    data = {"version": str(sub.version), "sec_survey_method": "核定後改寫的調查方法"}
    page = client.post(edit, data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "要修改已核定的績效報告嗎？" in html and "須再經首長核定" in html
    assert 'value="核定後改寫的調查方法"' in html
    sub.refresh_from_db()
    assert sub.state == State.APPROVED
    assert sub.sections["survey_method"] != "核定後改寫的調查方法"
    assert client.post(edit, {**data, "confirmed": "1"}).status_code == 302
    sub.refresh_from_db()
    assert (sub.state, sub.sections["survey_method"]) == (State.DRAFT, "核定後改寫的調查方法")


def test_the_reason_of_a_return_stands_on_the_page_and_the_dashboard(client, world):
    sub = complete(world)
    services.submission_request_approval(submission=sub, user=world.officer)
    services.submission_head_return(submission=sub, user=world.head, reason="請補充趨勢分析")
    client.force_login(world.officer)
    page = client.get(detail_url(world)).content.decode()
    top = page.split('id="next-step"')[0]
    assert "首長退回承辦人" in top and "請補充趨勢分析" in top
    dashboard = client.get("/dashboard/").content.decode()
    assert "請補充趨勢分析" in dashboard and "首長退回承辦人" in dashboard


def test_the_head_finds_it_in_awaiting_my_approval_on_the_dashboard_city2(client, world):
    sub = complete(world)
    client.force_login(world.head)
    assert "目前沒有待您核定的資料" in client.get("/dashboard/").content.decode()
    services.submission_request_approval(submission=sub, user=world.officer)
    html = client.get("/dashboard/").content.decode()
    assert "待我核定" in html
    assert f"{world.agency.name} 績效報告" in html.split('id="awaiting-approval"')[1]
    assert detail_url(world) in html
    # The officer has no such list.
    client.force_login(world.officer)
    assert 'id="awaiting-approval"' not in client.get("/dashboard/").content.decode()


def _awaiting(agency, officer, n):
    """n submissions of one agency awaiting its head's approval (one per cycle)."""
    for year in range(116, 116 + n):
        cycle = make_cycle(year=year, agencies=Agency.objects.filter(pk=agency.pk))
        sub = Submission.objects.create(
            cycle=cycle, agency=agency, kind="report", category="overall", version=1
        )
        Submission.objects.filter(pk=sub.pk).update(state=State.AWAITING_APPROVAL)
        SubmissionEvent.objects.create(
            submission=sub,
            kind=EventKind.REQUEST_APPROVAL,
            actor=officer,
            from_state="draft",
            to_state="awaiting_approval",
            version=1,
        )


@pytest.mark.parametrize("n", [1, 5])
def test_awaiting_my_approval_takes_constant_queries(n, django_assert_max_num_queries):
    agency = AgencyFactory()
    head = user_for(Role.AGENCY_HEAD, agency=agency)
    _awaiting(agency, user_for(Role.AGENCY_OFFICER, agency=agency), n)
    request = RequestFactory().get("/dashboard/")
    request.user = head
    with django_assert_max_num_queries(5):
        ctx = panels.head(request)
        html = render_to_string("submissions/panels/head.html", {"panel": ctx})
    assert len(ctx["rows"]) == n
    assert html.count("/submissions/") == n
