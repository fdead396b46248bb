"""Text of a rendered PDF, page by page (poppler's pdftotext), for document tests."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def pdf_pages(data: bytes, *, layout: bool = True) -> list[str]:
    """One string per page. `layout` keeps each table row on one line, so a name
    broken across lines in the PDF is broken in the text too."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        args = ["pdftotext", "-enc", "UTF-8", "-layout" if layout else "-raw", str(path), "-"]
        text = subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def on_one_line(text: str, word: str) -> bool:
    return any(word in line for line in text.splitlines())
