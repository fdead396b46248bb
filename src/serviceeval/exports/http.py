"""HTTP responses for exports, with a correct Content-Disposition for Chinese names."""

from django.http import HttpResponse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
}


def file_response(data: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    from django.utils.http import content_disposition_header

    ext = filename.rsplit(".", 1)[-1].lower()
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(ext, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
