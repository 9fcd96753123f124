"""Checking complaint attachments: name, size, extension whitelist and sniffed content. Pure functions."""

import io
import unicodedata
import zipfile
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# extension → (content type, magic prefix)
ALLOWED: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
}
# Office files are zip archives: the part that tells a Word file from a workbook.
OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


class AttachmentError(ValueError):
    """Why a file was refused, in words for the reporter (code for tests and the API)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CheckedFile:
    name: str
    extension: str
    content_type: str
    size: int


def clean_name(name: str) -> str:
    """The file name as shown to the handler; refuses path traversal and control characters."""
    if not isinstance(name, str):
        raise AttachmentError("bad_name", "文件名无效。")
    name = unicodedata.normalize("NFC", name).strip()
    if (not name or len(name) > 200 or "/" in name or "\\" in name or ".." in name or name.startswith(".")
            or any(unicodedata.category(ch).startswith("C") for ch in name)):
        raise AttachmentError("bad_name", "文件名无效：不能包含路径、“..”或控制字符。")
    return name


def check(name: str, head: bytes, size: int, whole: bytes | None = None) -> CheckedFile:
    """Validate one upload. ``head`` is its first bytes; ``whole`` (for office files) the full content."""
    name = clean_name(name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise AttachmentError("bad_type", "只接受 PDF、JPG、PNG、DOCX、XLSX 格式的附件。")
    if size <= 0:
        raise AttachmentError("empty", "附件是空文件。")
    if size > MAX_BYTES:
        raise AttachmentError("too_large", "单个附件不能超过 10 MB。")
    content_type, magic = ALLOWED[extension]
    if not head.startswith(magic):
        raise AttachmentError("content_mismatch", "附件内容与文件扩展名不符。")
    if extension in OFFICE_PART:
        try:
            with zipfile.ZipFile(io.BytesIO(whole or head)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise AttachmentError("content_mismatch", "附件内容与文件扩展名不符。") from None
        if OFFICE_PART[extension] not in names:
            raise AttachmentError("content_mismatch", "附件内容与文件扩展名不符。")
        from core.uploads import UploadRefused, check_zip_archive

        try:  # a zip bomb named .xlsx/.docx would hit whoever opens it (the handling bureau)
            check_zip_archive(io.BytesIO(whole or head))
        except UploadRefused:
            raise AttachmentError("too_large", "附件解压后过大，已拒绝。") from None
    return CheckedFile(name=name, extension="jpg" if extension == "jpeg" else extension, content_type=content_type, size=size)
