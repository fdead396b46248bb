"""Issue 15 item 2: the messages of the reviews services and commands go through
gettext: English with English selected, zh-Hant (no ASCII letters besides the
values put into them) with zh-Hant selected."""

import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import (
    ReviewError,
    StaleSheet,
    improvement_create,
    panel_add,
    scores_import,
    unfreeze_results,
    validate_score,
)
from serviceeval.reviews.services.notices import scoring_deadline_set

from .helpers import score_rows, setup_cycle

pytestmark = pytest.mark.django_db


def _refusal(service, **kwargs) -> str:
    with pytest.raises(ReviewError) as exc:
        service(**kwargs)
    return str(exc.value)


def base_message(_tmp_path):
    return str(StaleSheet([], 3)), ()


def sheets_message(_tmp_path):
    return validate_score("61", Decimal(60), Decimal("0.5"))[1], ("61",)


def panel_message(_tmp_path):
    cycle, _agencies, _reviewers, office = setup_cycle(1, 1)
    message = _refusal(panel_add, cycle=cycle, user=office, role=PanelRole.MEMBER, actor=office)
    return message, (office.username,)


def imports_message(_tmp_path):
    cycle, (a,), (r1,), _office = setup_cycle(1, 1)
    rows = score_rows(cycle, a, r1, "0.8")
    rows.append((28, dict(rows[0][1])))
    return scores_import(cycle=cycle, rows=rows).errors[0], ()


def improvements_message(_tmp_path):
    cycle, (a,), _reviewers, office = setup_cycle(1, 1)
    today = timezone.localdate()
    message = _refusal(
        improvement_create, cycle=cycle, agency=a, text=" ", deadline=today, actor=office
    )
    return message, ()


def notices_message(_tmp_path):
    cycle, _agencies, _reviewers, office = setup_cycle(1, 1)
    today = timezone.localdate()
    return _refusal(scoring_deadline_set, cycle=cycle, day=today, actor=office), ()


def results_message(_tmp_path):
    cycle, _agencies, _reviewers, office = setup_cycle(1, 1)
    return _refusal(unfreeze_results, cycle=cycle, reason="x", actor=office), ()


def commands_message(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("export_scores", "--cycle", "999", str(tmp_path / "x.csv"))
    return str(exc.value), ()


CASES = {
    "base": (base_message, "Someone else has updated this sheet"),
    "sheets": (sheets_message, "Score 61 is outside 0–60"),
    "panel": (panel_message, "is not a reviewer account."),
    "imports": (imports_message, "row 28：duplicate of row 2"),
    "improvements": (improvements_message, "Write the improvement item."),
    "notices": (notices_message, "must be after today."),
    "results": (results_message, "The results are not published."),
    "commands": (commands_message, "There is no cycle for ROC year 999."),
}


@pytest.mark.parametrize("module", list(CASES))
def test_a_message_comes_out_english_with_english_selected(module, tmp_path):
    make, english = CASES[module]
    with translation.override("en"):
        message, _values = make(tmp_path)
    assert english in message


@pytest.mark.parametrize("module", list(CASES))
def test_the_zh_hant_message_has_no_english(module, tmp_path):
    make, _english = CASES[module]
    with translation.override("zh-hant"):
        message, values = make(tmp_path)
    for value in values:
        message = message.replace(value, "")
    assert message and not re.search(r"[A-Za-z]", message), message
