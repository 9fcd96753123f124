"""Checks shared by the importers and attachment fields: file size, zip archives (xlsx, docx) that would expand to far
more than they weigh ("zip bombs"), and content sniffed against the extension, so that a renamed executable is refused.

Every refusal is an ``UploadRefused`` with a code (for tests and the API) and a message for the user.
"""

import unicodedata
import zipfile
from typing import IO, Any

from django.utils.translation import gettext as _

# A 20,000-row workbook (worklists.io.MAX_ROWS) with long texts expands to about 30 MB: four times that is plenty.
MAX_UNCOMPRESSED_BYTES = 128 * 1024 * 1024
# Real xlsx/docx parts compress 5–40 times; a bomb compresses a thousand times. Small parts (styles, relations) may
# compress better, so the ratio is only judged on parts larger than RATIO_FLOOR_BYTES.
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ARCHIVE_MEMBERS = 1000

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls
# extension → the prefixes its content may start with (None: text, checked separately)
MAGIC: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (ZIP_MAGIC,),
    "xlsx": (ZIP_MAGIC,),
    "doc": (OLE2_MAGIC,),
    "xls": (OLE2_MAGIC,),
    "txt": None,
}
# The part that tells a Word file from a workbook (both are zip archives).
OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# Windows PE, ELF, Mach-O, shell scripts, Java classes: never text, whatever the name says.
EXECUTABLE_PREFIXES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!", b"\xca\xfe\xba\xbe")


class UploadRefused(ValueError):
    """Why a file was refused, in words for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_name(name: str) -> str:
    """A file name to keep for display: no path, no "..", no leading dot, no control or direction characters."""
    name = unicodedata.normalize("NFC", str(name or "")).strip()
    if (not name or len(name) > 200 or "/" in name or "\\" in name or ".." in name or name.startswith(".")
            or any(unicodedata.category(ch).startswith("C") for ch in name)):
        raise UploadRefused("bad_name", _("The file name is not allowed: no paths, “..” or control characters."))
    return name


def stream_size(stream: IO[bytes]) -> int:
    """The size of a seekable stream, leaving its position where it was."""
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def check_size(stream: IO[bytes], max_bytes: int) -> int:
    size = stream_size(stream)
    if size > max_bytes:
        raise UploadRefused("too_large", _("The file is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)})
    if size == 0:
        raise UploadRefused("empty", _("The file is empty."))
    return size


def check_zip_archive(
    stream: IO[bytes], *, max_total: int = MAX_UNCOMPRESSED_BYTES, max_ratio: int = MAX_COMPRESSION_RATIO,
    max_members: int = MAX_ARCHIVE_MEMBERS, required_part: str | None = None,
) -> None:
    """Refuse an archive whose declared sizes would expand too far, before anything decompresses it.

    The declared sizes are enough: Python's zipfile never yields more bytes for a member than its declared size
    (and fails on the CRC when a member lies), so openpyxl cannot be made to read more than was checked here.
    """
    position = stream.tell()
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadRefused("bad_archive", _("The file is not a valid Office document.")) from None
    finally:
        stream.seek(position)
    too_large = UploadRefused(
        "archive_too_large", _("The file would expand to more than %(mb)d MB when opened: it is refused.")
        % {"mb": max_total // (1024 * 1024)},
    )
    if len(members) > max_members:
        raise too_large
    total = 0
    for member in members:
        total += member.file_size
        if total > max_total:
            raise too_large
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > max_ratio * max(member.compress_size, 1):
            raise too_large
    if required_part is not None and required_part not in {m.filename for m in members}:
        raise UploadRefused("content_mismatch", _("The content of the file does not match its extension."))


def check_content(extension: str, stream: IO[bytes]) -> None:
    """The content must be what the extension says (magic bytes; text for .txt; archives checked as above)."""
    position = stream.tell()
    stream.seek(0)
    head = stream.read(4096)
    stream.seek(position)
    mismatch = UploadRefused("content_mismatch", _("The content of the file does not match its extension."))
    if head.startswith(EXECUTABLE_PREFIXES):
        raise mismatch
    prefixes = MAGIC.get(extension, ())
    if prefixes is None:
        if b"\x00" in head:
            raise mismatch
        return
    if not head.startswith(prefixes):
        raise mismatch
    if extension in OFFICE_PART:
        check_zip_archive(stream, required_part=OFFICE_PART[extension])


def check_upload(upload: Any, *, extensions: tuple[str, ...], max_bytes: int) -> str:
    """Extension in the whitelist, size within the limit, content matching: returns the extension or raises."""
    name = str(getattr(upload, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in extensions:
        raise UploadRefused("bad_type", _("This type of file is not accepted."))
    check_size(upload, max_bytes)
    check_content(extension, upload)
    return extension
