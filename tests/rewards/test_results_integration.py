"""HSC-11 end to end: scores imported, results published, roster computed and frozen."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import PersonRole
from serviceeval.agencies.models import Agency, Person
from serviceeval.rewards import services
from serviceeval.rewards.models import RewardEntry
from tests.factories import AgencyFactory, make_cycle, user_for

pytestmark = pytest.mark.django_db


def score_csv(tmp_path, cycle, plan, name="scores.csv"):
    """plan: [(agency, reviewer, fraction)]: every leaf at fraction × max (0.5 steps)."""
    leaves = cycle.program.spec.category("overall").leaves()
    lines = ["agency,reviewer,criterion,score,comment"]
    for agency, reviewer, fraction in plan:
        for leaf in leaves:
            value = (leaf.max_points * Decimal(fraction) * 2).to_integral_value() / 2
            lines.append(f"{agency.code},{reviewer.username},{leaf.code},{value},ok")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def roster_people(agency):
    for role, prefix in (
        (PersonRole.HEAD, "主管"),
        (PersonRole.SECTION_CHIEF, "科長"),
        (PersonRole.OFFICER, "承辦"),
    ):
        Person.objects.create(agency=agency, role=role, name=f"{prefix}{agency.code}")


def test_hsc_11_roster_after_import_and_publish(tmp_path, capsys):
    a, b, c, d = (AgencyFactory() for _ in range(4))
    for agency in (a, b, c, d):
        roster_people(agency)
    cycle = make_cycle(year=105, agencies=Agency.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk]))
    reviewer = user_for(Role.REVIEWER)
    path = score_csv(
        tmp_path,
        cycle,
        [(a, reviewer, "0.9"), (b, reviewer, "0.85"), (c, reviewer, "0.75"), (d, reviewer, "0.6")],
    )
    call_command("import_scores", "--cycle", "105", "--add-reviewers", path)
    re_path = score_csv(tmp_path, cycle, [(d, reviewer, "0.65")], name="re.csv")
    call_command(
        "import_scores", "--cycle", "105", "--round", "re-evaluation", "--add-reviewers", re_path
    )
    call_command("publish_results", "--cycle", "105")
    cycle.refresh_from_db()
    assert services.is_frozen(cycle)
    got = [
        (e.agency.code, e.person, e.kind, e.count)
        for e in RewardEntry.objects.filter(cycle=cycle, rule="HSC-11").select_related("agency")
    ]
    assert got == [
        (a.code, f"主管{a.code}", "commendation", 2),
        (a.code, f"科長{a.code}", "commendation", 2),
        (a.code, f"承辦{a.code}", "commendation", 2),
        (b.code, f"主管{b.code}", "commendation", 1),
        (b.code, f"科長{b.code}", "commendation", 1),
        (b.code, f"承辦{b.code}", "commendation", 1),
        (d.code, f"主管{d.code}", "reprimand", 1),
        (d.code, f"科長{d.code}", "reprimand", 1),
        (d.code, f"承辦{d.code}", "reprimand", 1),
    ]
    capsys.readouterr()
    call_command("rewards", "--cycle", "105", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data[0] == {
        "person": f"主管{a.code}",
        "role": "head",
        "agency": a.code,
        "kind": "commendation",
        "count": 2,
        "rule": "HSC-11",
        "reason": "考核成績 900.00 分，等第 甲等，第 1 名",
        "kind_name": "嘉獎",
        "role_name": "主管",
        "public_commendation": False,
    }
    assert (data[-1]["kind"], data[-1]["kind_name"]) == ("reprimand", "申誡")
    assert data[-1]["reason"].endswith("未通過複評，列入次年額外考核")


def test_unfreezing_results_unfreezes_the_roster_hsc_11(tmp_path):
    from serviceeval.reviews.services import unfreeze_results

    a = AgencyFactory()
    roster_people(a)
    cycle = make_cycle(year=105, agencies=Agency.objects.filter(pk=a.pk))
    reviewer = user_for(Role.REVIEWER)
    call_command(
        "import_scores",
        "--cycle",
        "105",
        "--add-reviewers",
        score_csv(tmp_path, cycle, [(a, reviewer, "0.9")]),
    )
    call_command("publish_results", "--cycle", "105")
    cycle.refresh_from_db()
    assert services.is_frozen(cycle)
    unfreeze_results(cycle=cycle, reason="更正評分", actor=user_for(Role.COORDINATOR))
    cycle.refresh_from_db()
    assert not services.is_frozen(cycle)
    assert services.roster_refresh(cycle=cycle, actor=None) is False  # same results: no change
    assert RewardEntry.objects.filter(cycle=cycle, rule="HSC-11").count() == 3


def test_hsc_13_entries_after_publication_keep_rule_order(tmp_path):
    from datetime import date

    a = AgencyFactory()
    roster_people(a)
    cycle = make_cycle(year=105, agencies=Agency.objects.filter(pk=a.pk))
    reviewer = user_for(Role.REVIEWER)
    call_command(
        "import_scores",
        "--cycle",
        "105",
        "--add-reviewers",
        score_csv(tmp_path, cycle, [(a, reviewer, "0.9")]),
    )
    call_command("publish_results", "--cycle", "105")
    cycle.refresh_from_db()
    office = user_for(Role.COORDINATOR)
    n = services.nomination_propose(cycle=cycle, agency=a, actor=office)
    for status in ("recommended", "passed_initial", "won"):
        n = services.nomination_step(
            nomination=n, status=status, on=date(2016, 12, 1), actor=office
        )
    rules = [e.rule for e in services.roster_entries(cycle)]
    assert rules == ["HSC-11"] * 3 + ["HSC-13"] * 3
