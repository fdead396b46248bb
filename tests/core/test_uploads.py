"""Upload checks: extension, magic bytes, size (issue 3 item 6, SPEC §5)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from serviceeval.core.uploads import random_upload_name, validate_upload

PDF = b"%PDF-1.4\n%test\n"


def test_pdf_with_pdf_magic_is_accepted():
    assert validate_upload(SimpleUploadedFile("成果.pdf", PDF)) == ".pdf"


def test_extension_not_allowed_is_refused_with_zh_hant_message():
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("run.exe", b"MZ\x90\x00"))
    assert exc.value.messages[0].startswith("不接受 .exe 類型的檔案。")


def test_content_not_matching_extension_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>"))
    assert exc.value.messages == ["檔案內容與副檔名 .pdf 不符。"]


def test_too_large_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("big.pdf", PDF + b"x" * 20))
    assert exc.value.messages == ["檔案超過 0 MB。"]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("empty.pdf", b""))
    assert exc.value.messages == ["檔案是空的。"]


def test_csv_must_be_utf8_text():
    assert (
        validate_upload(SimpleUploadedFile("data.csv", "機關,分數\n衛生局,90\n".encode())) == ".csv"
    )
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("data.csv", "機關".encode("big5")))


def test_stored_names_are_random_and_keep_only_the_extension():
    first = random_upload_name(None, "機關成果報告.PDF")
    second = random_upload_name(None, "機關成果報告.PDF")
    assert first != second
    assert first.startswith("evidence/")
    assert first.endswith(".pdf")
    assert "機關" not in first
