"""Reading the CSV files people in Taiwan actually produce: Excel saves "CSV" in
CP950 (Big5), not UTF-8. Such a file is read as typed; a file in neither
encoding is refused with a message naming the line, never a traceback."""

import pytest
from django.core.management import CommandError, call_command

from serviceeval.agencies.models import Agency, Person
from serviceeval.core.tabular import TabularError, read_rows

HEADER = "code,name,kind,parent,category,group,head,section_chief,officer,evaluation_officer\r\n"
BODY = "F-01,民政局,first-level,,overall,,林五,,,\r\nF-02,財政處,first-level,,overall,,,,,\r\n"


def test_read_rows_reads_utf8_with_and_without_bom_and_big5_alike(tmp_path):
    expected = read_rows(_write(tmp_path, "u.csv", (HEADER + BODY).encode("utf-8")), ("code",))
    assert expected[0] == (2, {**expected[0][1], "name": "民政局", "head": "林五"})
    for name, data in (
        ("bom.csv", (HEADER + BODY).encode("utf-8-sig")),
        ("big5.csv", (HEADER + BODY).encode("cp950")),
    ):
        assert read_rows(_write(tmp_path, name, data), ("code",)) == expected


def test_read_rows_refuses_undecodable_bytes_naming_the_line(tmp_path):
    data = (
        HEADER + "F-01,民政局,first-level,,overall,,,,,\r\n"
    ).encode() + b"F-02,\xff\xfe\xff,x\r\n"
    with pytest.raises(TabularError) as exc:
        read_rows(_write(tmp_path, "bad.csv", data), ("code",))
    assert "第 3 行含有無法辨識的字元" in str(exc.value)
    assert "UTF-8" in str(exc.value)


@pytest.mark.django_db
def test_import_agencies_takes_a_big5_csv_from_excel(tmp_path, capsys):
    path = _write(tmp_path, "excel.csv", (HEADER + BODY).encode("cp950"))
    call_command("import_agencies", str(path))
    assert Agency.objects.get(code="F-01").name == "民政局"
    assert Person.objects.get(agency__code="F-01", role="head").name == "林五"


@pytest.mark.django_db
def test_import_agencies_refuses_binary_junk_and_stores_nothing(tmp_path, capsys):
    path = _write(tmp_path, "junk.csv", HEADER.encode() + bytes(range(128, 256)))
    with pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(path))
    assert "junk.csv 第 2 行含有無法辨識的字元" in str(exc.value)
    assert not Agency.objects.exists()


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_read_rows_messages_in_zh_hant_and_english(tmp_path):
    from django.utils import translation

    path = _write(tmp_path, "a.csv", b"code,name\r\nF-01,x\r\n")
    with pytest.raises(TabularError) as exc:
        read_rows(path, ("code", "kind"))
    assert str(exc.value) == "第 1 列缺少欄位：kind"
    with pytest.raises(TabularError) as exc:
        read_rows(_write(tmp_path, "a.txt", b"x"), ("code",))
    assert str(exc.value) == "不支援的檔案格式 .txt，請用 .csv、.xlsx 或 .ods"
    with pytest.raises(TabularError) as exc:
        read_rows(_write(tmp_path, "empty.csv", b""), ("code",))
    assert str(exc.value) == "檔案是空的。"
    assert not any("a" <= ch.lower() <= "z" for ch in str(exc.value))
    with translation.override("en"), pytest.raises(TabularError) as exc:
        read_rows(path, ("code", "kind"))
    assert str(exc.value) == "Row 1 lacks the columns kind."
