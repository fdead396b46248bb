"""Programs are versioned rows; built-ins arrive with `migrate` (CITY-16, SPEC §3)."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from serviceeval.programs.models import Program, RubricNode
from serviceeval.programs.services import ProgramRefused, program_load

PROGRAMS = Path(__file__).resolve().parents[2] / "programs"


def hsinchu_text(**changes):
    data = yaml.safe_load((PROGRAMS / "hsinchu-105.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.mark.django_db
def test_builtin_programs_are_present_after_migrate():
    assert sorted(Program.objects.values_list("code", "version", "builtin")) == [
        ("city-service-upgrade", 1, True),
        ("hsinchu-105", 1, True),
    ]
    hsinchu = Program.objects.get(code="hsinchu-105")
    assert RubricNode.objects.filter(program=hsinchu, leaf=True).count() == 26
    assert RubricNode.objects.get(program=hsinchu, code="1.1.2.1.1").parent.code == "1.1.2.1"


@pytest.mark.django_db
def test_program_load_adds_a_new_version_city16():
    """CITY-16: a revision is a new version; the old one stays."""
    program, created = program_load(
        text=hsinchu_text(version=2, name="新竹市政府105年度為民服務考核工作計畫（修正）")
    )
    assert created is True
    assert list(Program.objects.filter(code="hsinchu-105").values_list("version", flat=True)) == [
        2,
        1,
    ]
    assert program.spec.version == 2


@pytest.mark.django_db
def test_same_version_with_other_content_is_refused_city16():
    with pytest.raises(ProgramRefused) as exc:
        program_load(text=hsinchu_text(name="改過的名稱"))
    assert str(exc.value.problems[0]) == "version：hsinchu-105 v1 已存在且內容不同，請提高版本號"


@pytest.mark.django_db
def test_program_load_command_refuses_an_invalid_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(hsinchu_text(version=3, total_points=900), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        call_command("program_load", str(bad))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "categories[0] (overall)：評核構面配分合計 1000 不等於總分 900" in err
    assert not Program.objects.filter(version=3).exists()


def test_program_check_command_summarises_a_valid_file(capsys):
    call_command("program_check", str(PROGRAMS / "hsinchu-105.yaml"))
    assert (
        capsys.readouterr().out.strip()
        == "檢查通過 hsinchu-105 v1：類別 1 個、評核重點 26 項，總分 1000 分"
    )


def test_program_check_command_exits_1_with_one_line_per_problem(tmp_path, capsys):
    data = yaml.safe_load((PROGRAMS / "city-service-upgrade.yaml").read_text(encoding="utf-8"))
    data["grades"][1]["min"] = 650
    data["reward_rules"][0]["kind"] = "raffle"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        call_command("program_check", str(path))
    assert exc.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == "grades：等第 C 與 B 區間重疊"
    assert lines[1].startswith("reward_rules[0] (CITY-12)：未知的規則種類「raffle」")


def test_program_check_reports_yaml_syntax_errors(tmp_path, capsys):
    path = tmp_path / "syntax.yaml"
    path.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("program_check", str(path))
    assert capsys.readouterr().err.startswith("（檔案）：YAML 語法錯誤：第 1 行第 ")


def test_program_check_and_load_name_a_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "big5.yaml"
    path.write_bytes("code: x\nname: 新竹\n".encode("cp950"))
    for command in ("program_check", "program_load"):
        with pytest.raises(SystemExit) as exc:
            call_command(command, str(path))
        assert exc.value.code == 1
        assert capsys.readouterr().err.strip() == (
            "（檔案）：第 2 行不是 UTF-8 文字，請以 UTF-8 存檔"
        )


@pytest.mark.django_db
def test_program_load_speaks_english_when_english_is_active(capsys):
    from django.utils import translation

    with translation.override("en"):
        call_command("program_load", str(PROGRAMS / "hsinchu-105.yaml"))
        with pytest.raises(ProgramRefused) as exc:
            program_load(text=hsinchu_text(name="改過的名稱"))
        refused = str(exc.value.problems[0])
    assert capsys.readouterr().out.strip() == (
        "Already present, unchanged: OK hsinchu-105 v1: categories 1, criteria 26, total 1000 points"
    )
    assert refused == (
        "version: hsinchu-105 v1 already exists with different content; raise the version number."
    )


@pytest.mark.django_db
def test_program_load_in_zh_hant_has_no_english_besides_its_values(capsys):
    call_command("program_load", str(PROGRAMS / "hsinchu-105.yaml"))
    out = capsys.readouterr().out.strip()
    assert out == "已存在，未變更：檢查通過 hsinchu-105 v1：類別 1 個、評核重點 26 項，總分 1000 分"
    rest = out.replace("hsinchu-105", "").replace("v1", "")
    assert not any("a" <= ch.lower() <= "z" for ch in rest)
