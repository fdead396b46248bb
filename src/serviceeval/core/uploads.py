"""Upload checks shared by every evidence field: extension, magic bytes, size.

Files are stored under random names outside the static tree and served only by
permission-checked views (see `serve_upload`)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .tabular import TabularError, check_zip

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ALLOWED = {
    ".pdf": (b"%PDF-",),
    ".odt": (ZIP_MAGIC,),
    ".ods": (ZIP_MAGIC,),
    ".odp": (ZIP_MAGIC,),
    ".docx": (ZIP_MAGIC,),
    ".xlsx": (ZIP_MAGIC,),
    ".pptx": (ZIP_MAGIC,),
    ".doc": (OLE_MAGIC,),
    ".xls": (OLE_MAGIC,),
    ".ppt": (OLE_MAGIC,),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".csv": (),  # text: checked below
}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif"}


def validate_upload(upload, *, allowed: set[str] | None = None) -> str:
    """Raise ValidationError (zh-Hant message) or return the lower-case extension."""
    name = getattr(upload, "name", "") or ""
    ext = Path(name).suffix.lower()
    kinds = allowed if allowed is not None else set(ALLOWED)
    if ext not in kinds:
        raise ValidationError(
            _("File type %(ext)s is not allowed. Allowed: %(allowed)s")
            % {"ext": ext or "?", "allowed": ", ".join(sorted(kinds))}
        )
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)d MB.")
            % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    magics = ALLOWED[ext]
    if magics and not any(head.startswith(m) for m in magics):
        raise ValidationError(
            _("The file content does not match its %(ext)s extension.") % {"ext": ext}
        )
    if magics == (ZIP_MAGIC,):
        _check_package(upload, ext, name)
    if ext == ".csv":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if len(head) < 2048 or not _utf8_prefix_ok(head):
                raise ValidationError(_("A CSV file must be UTF-8 text.")) from exc
        if b"\x00" in head:
            raise ValidationError(_("A CSV file must be UTF-8 text."))
    return ext


def _check_package(upload, ext: str, name: str) -> None:
    """An Office or ODF file is a zip: refuse one that is no zip, or whose central
    directory promises a decompression bomb (`core.tabular.check_zip`), before anyone
    opens it. Only the directory is read; nothing is inflated."""
    import zipfile

    try:
        with zipfile.ZipFile(upload) as zf:
            check_zip(zf, Path(name).name)
    except zipfile.BadZipFile as exc:
        raise ValidationError(
            _("The file content does not match its %(ext)s extension.") % {"ext": ext}
        ) from exc
    except TabularError as exc:
        raise ValidationError(str(exc)) from exc
    finally:
        upload.seek(0)


def _utf8_prefix_ok(head: bytes) -> bool:
    # The 2,048-byte window may cut a multi-byte character at its end.
    for cut in range(1, 4):
        try:
            head[:-cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def random_upload_name(instance, filename: str) -> str:
    """upload_to: a random stored name; the original name is kept on the model."""
    ext = Path(filename).suffix.lower()
    return f"evidence/{secrets.token_hex(16)}{ext}"


def serve_upload(field_file, original_name: str):
    """Stream a stored upload as an attachment (call only after the permission check)."""
    from django.http import FileResponse

    return FileResponse(field_file.open("rb"), as_attachment=True, filename=original_name)
