"""Checking complaint attachments: name, size, extension whitelist and sniffed content. Pure functions."""

import io
from dataclasses import dataclass

from core.uploads import OFFICE_PART, UploadRefused, check_name, check_zip_archive

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
    """The file name as shown to the handler; refuses path traversal and control characters (core.uploads' rule)."""
    if not isinstance(name, str):
        raise AttachmentError("bad_name", "文件名无效。")
    try:
        return check_name(name)
    except UploadRefused:
        raise AttachmentError("bad_name", "文件名无效：不能包含路径、“..”或控制字符。") from None


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
        # One look at the archive: the part that makes it a Word file or a workbook, and no zip bomb (a bomb named
        # .xlsx/.docx would hit whoever opens it, the handling bureau).
        try:
            check_zip_archive(io.BytesIO(whole or head), required_part=OFFICE_PART[extension])
        except UploadRefused as refused:
            if refused.code == "archive_too_large":
                raise AttachmentError("too_large", "附件解压后过大，已拒绝。") from None
            raise AttachmentError("content_mismatch", "附件内容与文件扩展名不符。") from None
    return CheckedFile(name=name, extension="jpg" if extension == "jpeg" else extension, content_type=content_type, size=size)
