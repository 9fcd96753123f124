"""Certificates on the standard template as PDF (Art. 9(3)): WeasyPrint, embedded Chinese font, QR code to /verify/<token>.

`render_certificate` signs the verification token and renders the PDF in one step; `render_pdf` renders a prepared
`CertificateContext`. The paper certificate shows the subject's full ID number; the public verification page must use
`mask_id_number` / `mask_phone`.

Speed (target under 50 ms per certificate, bench/certificates.py): WeasyPrint embeds a subset of every font it uses,
and subsetting the 20 MB Noto Serif CJK collection costs more than the rest of the rendering together. So, once per
installation, we cut from Debian's Noto Serif CJK SC a face holding the GB 2312 characters plus ASCII and CJK
punctuation (harfbuzz-subset, under a second) into var/fonts/, and list the full Noto font after it in the CSS: a rare
character in a name (生僻字) still renders, from the full font. If the cut fails the full font is used, only slower.
Per render we also skip what a certificate does not need (profiled with cProfile): WeasyPrint's full user-agent
stylesheet (a five-rule one gives the identical layout, box for box) and segno's pixel-by-pixel PNG writer (a 1-bit PNG
packed by rows). What remains is WeasyPrint's own style, layout, font-subsetting and drawing work. Not done: pydyf's
level-9 deflate at level 6 saved only about 1 ms in a paired measurement, not worth patching a third-party module.
"""

from __future__ import annotations

import atexit
import base64
import ctypes
import ctypes.util
import logging
import os
import re
import secrets
import struct
import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import dateformat, translation
from django.utils.translation import pgettext

from .signing import Signer, certificate_payload, make_token

logger = logging.getLogger(__name__)

TEMPLATE = "certificates/pdf/certificate.html"
FONT_FAMILY = "Qingdan Serif SC"  # our GB 2312 cut of Noto Serif CJK SC
FALLBACK_FAMILIES = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'
NOTO_SERIF_SC = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
NOTO_SERIF_SC_INDEX = 2  # the SC face in Debian's collection (fc-list: index 2)
FONT_FILE_NAME = "qingdan-serif-sc-gb2312-v2.otf"  # bump the version when the cut changes
QR_ERROR = "m"  # 15 % of the code may be damaged (a fold, a stamp) and it still reads
QR_MASK = 4


# --- Masking (public verification page) ---------------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """"210102199001011234" → "2101**********1234": region and birth date hidden, the end kept to tell people apart."""
    value = (value or "").strip()
    n = len(value)
    if n == 0:
        return ""
    if n >= 15:
        keep = 4 if n >= 18 else 3  # the 15-digit legacy number ends its birth date 3 places from the end
        return value[:4] + "*" * (n - 4 - keep) + value[-keep:]
    if n > 4:
        return "*" * (n - 2) + value[-2:]
    return "*" * n


def mask_phone(value: str) -> str:
    """Mobile "13812345678" → "138****5678"; other numbers keep only their last 4 digits."""
    value = (value or "").strip()
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    keep = set(digits[-4:]) if len(digits) > 4 else set()
    return "".join(ch if (not ch.isdigit() or i in keep) else "*" for i, ch in enumerate(value))


# --- Context ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateContext:
    """What the standard template prints."""

    title: str  # the certificate type, e.g. 志愿服务记录证明
    serial: str
    subject_name: str
    subject_id_number: str  # full on paper; masked only on the verification page
    committee_name: str  # issuing committee, e.g. 沈阳市和平区……居民委员会
    issued_on: date
    token: str
    base_url: str  # e.g. https://qingdan.example.gov.cn
    fields: Sequence[tuple[str, str]] = ()  # the template's typed fields, in order: (label, value)
    statement: str = ""  # the certifying text (兹证明……)
    committee_code: str = ""
    type_code: str = ""
    is_sample: bool = False  # issued from the sample catalog: printed as 示例数据
    language: str = "zh-hans"  # the paper certificate is Chinese

    @property
    def verify_url(self) -> str:
        return verify_url(self.base_url, self.token)


def verify_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{token}"


def _as_context(context: CertificateContext | Mapping[str, Any]) -> CertificateContext:
    if isinstance(context, CertificateContext):
        return context
    known = {f.name for f in fields(CertificateContext)}
    values = {k: v for k, v in context.items() if k in known}
    if isinstance(values.get("issued_on"), str):  # a mapping from JSON or a form carries the ISO date as text
        values["issued_on"] = date.fromisoformat(values["issued_on"])
    values["fields"] = tuple(tuple(pair) for pair in values.get("fields", ()))
    return CertificateContext(**values)


# --- QR code ------------------------------------------------------------------------------------------------------


def qr_code(url: str) -> segno.QRCode:
    # A fixed mask: segno scoring all eight masks in pure Python costs more than the whole PDF; any mask reads.
    return segno.make(url, error=QR_ERROR, micro=False, mask=QR_MASK)


def qr_png(url: str, scale: int = 1, border: int = 4) -> bytes:
    """One pixel per module by default: the PDF scales it up without smoothing (image-rendering: pixelated)."""
    if scale == 1:
        return _png_1bit(qr_code(url).matrix, border)
    import io

    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def _png_1bit(matrix: Sequence[Sequence[int]], border: int = 4) -> bytes:
    """A 1-bit greyscale PNG of a QR matrix, one pixel per module (dark = 0). segno's general PNG writer goes pixel
    by pixel in Python; packing each row as one integer costs a fifth of that per certificate."""
    size = len(matrix) + 2 * border
    pad = -size % 8
    quiet = "1" * border

    def row(bits: str) -> bytes:
        return b"\0" + int(bits + "0" * pad, 2).to_bytes((size + pad) // 8, "big")  # filter byte 0, then the bits

    blank = row("1" * size)
    raw = b"".join([blank] * border + [row(quiet + "".join("0" if m else "1" for m in line) + quiet) for line in matrix]
                   + [blank] * border)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def qr_data_uri(url: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode("ascii")


# --- Fonts --------------------------------------------------------------------------------------------------------


def _font_dir() -> Path:
    from django.conf import settings

    base = getattr(settings, "VAR_DIR", None) or Path(settings.BASE_DIR) / "var"
    return Path(base) / "fonts"


def _gb2312_codepoints() -> list[int]:
    points = set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    points |= set(range(0x2010, 0x2030)) | {0xA0, 0xB7, 0xD7, 0x2116, 0x2103, 0x25CB, 0x25A1}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return sorted(points)


def _harfbuzz_subset(source: Path, index: int, codepoints: Sequence[int]) -> bytes:
    """Cut a face out of a font collection, keeping `codepoints`, with the system's libharfbuzz-subset."""
    hb = ctypes.CDLL(ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0")
    hbs = ctypes.CDLL(ctypes.util.find_library("harfbuzz-subset") or "libharfbuzz-subset.so.0")
    vp = ctypes.c_void_p
    hb.hb_blob_create_from_file_or_fail.restype = vp
    hb.hb_blob_create_from_file_or_fail.argtypes = [ctypes.c_char_p]
    hb.hb_face_create.restype = vp
    hb.hb_face_create.argtypes = [vp, ctypes.c_uint]
    hb.hb_face_reference_blob.restype = vp
    hb.hb_face_reference_blob.argtypes = [vp]
    hb.hb_blob_get_data.restype = ctypes.POINTER(ctypes.c_char)
    hb.hb_blob_get_data.argtypes = [vp, ctypes.POINTER(ctypes.c_uint)]
    hb.hb_set_add.argtypes = [vp, ctypes.c_uint32]
    hb.hb_set_clear.argtypes = [vp]
    for name in ("hb_blob_destroy", "hb_face_destroy"):
        getattr(hb, name).argtypes = [vp]
    hbs.hb_subset_input_create_or_fail.restype = vp
    hbs.hb_subset_input_unicode_set.restype = vp
    hbs.hb_subset_input_unicode_set.argtypes = [vp]
    hbs.hb_subset_input_set.restype = vp
    hbs.hb_subset_input_set.argtypes = [vp, ctypes.c_int]
    hbs.hb_subset_input_destroy.argtypes = [vp]
    hbs.hb_subset_input_set_flags.argtypes = [vp, ctypes.c_uint]
    hbs.hb_subset_or_fail.restype = vp
    hbs.hb_subset_or_fail.argtypes = [vp, vp]

    blob = hb.hb_blob_create_from_file_or_fail(str(source).encode())
    if not blob:
        raise OSError(f"cannot read {source}")
    face = hb.hb_face_create(blob, index)
    subset_input = hbs.hb_subset_input_create_or_fail()
    unicodes = hbs.hb_subset_input_unicode_set(subset_input)
    for cp in codepoints:
        hb.hb_set_add(unicodes, cp)
    # No OpenType layout features: horizontal Chinese needs none, and the glyph closure stays small.
    hb.hb_set_clear(hbs.hb_subset_input_set(subset_input, 6))  # HB_SUBSET_SETS_LAYOUT_FEATURE_TAG
    # Desubroutinised, unhinted outlines: WeasyPrint's per-document subsetting of this face is then several times faster.
    hbs.hb_subset_input_set_flags(subset_input, 0x1 | 0x4 | 0x40)  # NO_HINTING | DESUBROUTINIZE | NOTDEF_OUTLINE
    drop = hbs.hb_subset_input_set(subset_input, 3)  # HB_SUBSET_SETS_DROP_TABLE_TAG
    for tag in (b"GSUB", b"GPOS", b"BASE", b"vhea", b"vmtx", b"VORG", b"DSIG"):
        hb.hb_set_add(drop, int.from_bytes(tag, "big"))
    result = hbs.hb_subset_or_fail(face, subset_input)
    try:
        if not result:
            raise OSError("harfbuzz could not subset the font")
        out_blob = hb.hb_face_reference_blob(result)
        length = ctypes.c_uint()
        data = hb.hb_blob_get_data(out_blob, ctypes.byref(length))
        content = ctypes.string_at(data, length.value)
        hb.hb_blob_destroy(out_blob)
    finally:
        if result:
            hb.hb_face_destroy(result)
        hbs.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
    if not content:
        raise OSError("harfbuzz produced an empty font")
    return content


def ensure_fast_font(font_dir: Path | None = None) -> Path | None:
    """The GB 2312 cut of Noto Serif CJK SC under var/fonts/, made once; None when it cannot be made."""
    font_dir = font_dir or _font_dir()
    path = font_dir / FONT_FILE_NAME
    if path.exists():
        return path
    try:
        content = _harfbuzz_subset(NOTO_SERIF_SC, NOTO_SERIF_SC_INDEX, _gb2312_codepoints())
        font_dir.mkdir(parents=True, exist_ok=True)
        tmp = font_dir / f".{FONT_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        tmp.write_bytes(content)
        os.replace(tmp, path)  # atomic: concurrent workers write identical content
        return path
    except (OSError, AttributeError) as exc:
        logger.warning("certificate PDFs fall back to the full Noto font (slower): %s", exc)
        return None


# --- Rendering ----------------------------------------------------------------------------------------------------

_local = threading.local()  # Pango font maps are not shared across threads: one font set-up per thread
# Drop the main thread's font set-up before interpreter teardown (WeasyPrint's finaliser fails once modules are gone).
atexit.register(lambda: _local.__dict__.pop("renderer", None))
STYLESHEET = Path(__file__).resolve().parent / "templates" / "certificates" / "pdf" / "certificate.css"


# The user-agent stylesheet the certificate needs, instead of WeasyPrint's full HTML one (about 250 rules matched
# against every element of every certificate): the template uses only these elements, and body keeps its 8px margin.
UA_CSS = """
head, title, meta, style, script, link { display: none }
html, body, div, p, h1 { display: block }
body { margin: 8px }
"""


@dataclass
class _Renderer:
    font_config: Any
    stylesheet: Any
    page_fetcher: Any
    html_class: Any


def _renderer() -> _Renderer:
    """Font configuration, parsed stylesheet and URL fetcher, built once per thread: parsing them costs more than a page."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    cached = getattr(_local, "renderer", None)
    if cached is not None:
        return cached
    font_config = FontConfiguration()
    font = ensure_fast_font()
    face = f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{font.as_uri()}"); }}\n' if font else ""
    families = f'"{FONT_FAMILY}", {FALLBACK_FAMILIES}' if font else FALLBACK_FAMILIES
    css = CSS(
        string=face + f"body {{ font-family: {families}; }}\n" + STYLESHEET.read_text(encoding="utf-8"),
        font_config=font_config,
        url_fetcher=URLFetcher(allowed_protocols={"file"}),
    )
    # The page itself may load nothing but the inline QR image: user data can never make the renderer fetch a file.
    _local.renderer = _Renderer(font_config, css, URLFetcher(allowed_protocols={"data"}), _certificate_html_class())
    return _local.renderer


def _certificate_html_class() -> Any:
    from weasyprint import CSS, HTML

    ua = CSS(string=UA_CSS)

    class CertificateHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [ua]

    return CertificateHTML


def warm_up() -> None:
    """Build this thread's font set-up now (about 3 s once), e.g. when a worker starts, not on the first request."""
    _renderer()


def render_html(context: CertificateContext | Mapping[str, Any]) -> str:
    ctx = _as_context(context)
    with translation.override(ctx.language):
        return render_to_string(
            TEMPLATE,
            {
                "c": ctx,
                "fields": list(ctx.fields),
                "verify_url": ctx.verify_url,
                "qr_data_uri": qr_data_uri(ctx.verify_url),
                "issued_on_text": dateformat.format(ctx.issued_on, pgettext("certificate date format", "F j, Y")),
            },
        )


def render_pdf(context: CertificateContext | Mapping[str, Any], *, compress: bool = True) -> bytes:
    """The certificate as PDF bytes: fonts embedded (subset), QR code pointing at {base_url}/verify/<token>.

    compress=False skips zlib on the streams: write_pdf took 16 ms instead of 23 ms of CPU in a quiet measurement,
    for about twice the bytes (117 kB instead of 62 kB); bench/certificates.py measures both.
    """
    ctx = _as_context(context)
    r = _renderer()
    html = r.html_class(string=render_html(ctx), url_fetcher=r.page_fetcher, base_url=None)
    return html.write_pdf(stylesheets=[r.stylesheet], font_config=r.font_config, uncompressed_pdf=not compress)


def render_certificate(
    *,
    title: str,
    serial: str,
    committee_code: str,
    committee_name: str,
    type_code: str,
    subject_name: str,
    subject_id_number: str,
    issued_on: date,
    base_url: str,
    fields: Sequence[tuple[str, str]] = (),
    statement: str = "",
    is_sample: bool = False,
    signer: Signer | None = None,
    compress: bool = True,
) -> tuple[str, bytes]:
    """Sign the verification token and render the PDF: (token, pdf). Store the token with the certificate."""
    token = make_token(
        certificate_payload(serial=serial, committee_code=committee_code, type_code=type_code, issued_on=issued_on),
        signer,  # None: the keyring's current key, its id in the token
    )
    pdf = render_pdf(
        CertificateContext(
            title=title, serial=serial, subject_name=subject_name, subject_id_number=subject_id_number,
            committee_name=committee_name, issued_on=issued_on, token=token, base_url=base_url, fields=tuple(fields),
            statement=statement, committee_code=committee_code, type_code=type_code, is_sample=is_sample,
        ),
        compress=compress,
    )
    return token, pdf


_TOKEN_IN_URL = re.compile(r"/verify/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)/?$")


def token_from_url(url: str) -> str | None:
    """The token of a scanned verification URL, or None when the URL is not one."""
    m = _TOKEN_IN_URL.search((url or "").strip())
    return m[1] if m else None
