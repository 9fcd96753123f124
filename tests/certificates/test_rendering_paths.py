"""The speed paths of the certificate PDF keep its output: the small user-agent stylesheet lays out every box exactly
as WeasyPrint's own, and the 1-bit QR PNG decodes to the same URL as segno's."""

import io
from datetime import date

import segno
import zxingcpp
from PIL import Image
from weasyprint import HTML

from certificates import rendering

CONTEXT = rendering.CertificateContext(
    title="村（居）民参加本村（社区）组织的志愿服务记录证明", serial="210105023201-2026-000007", subject_name="欧阳秀英",
    subject_id_number="210102199001011234", committee_name="沈阳市和平区北市场街道文官村村民委员会", issued_on=date(2026, 3, 1),
    token="eyJzIjoiMSJ9.c2ln", base_url="https://qingdan.example.gov.cn", fields=(("服务时长", "16小时"),),
    statement="兹证明欧阳秀英同志参加本村组织的志愿服务，记录属实。", is_sample=True,
)


def _boxes(html_class) -> list[tuple]:  # noqa: ANN001
    r = rendering._renderer()
    doc = html_class(string=rendering.render_html(CONTEXT), url_fetcher=r.page_fetcher).render(
        stylesheets=[r.stylesheet], font_config=r.font_config)
    out: list[tuple] = []

    def walk(box) -> None:  # noqa: ANN001
        out.append((type(box).__name__, getattr(box, "element_tag", ""), round(box.position_x, 2),
                    round(box.position_y, 2), round(box.width or 0, 2), round(box.height or 0, 2)))
        for child in getattr(box, "children", []):
            walk(child)

    for page in doc.pages:
        walk(page._page_box)
    return out


def test_the_small_user_agent_stylesheet_lays_out_every_box_like_weasyprints_own():
    ours, theirs = _boxes(rendering._renderer().html_class), _boxes(HTML)
    assert len(ours) > 20
    assert ours == theirs


def test_the_one_bit_qr_png_decodes_like_segnos_own_png():
    url = rendering.verify_url(CONTEXT.base_url, "eyJzIjoiMjEwMTA1In0.AbC-_09")
    ours = Image.open(io.BytesIO(rendering.qr_png(url)))
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False, mask=4).save(buffer, kind="png", scale=1, border=4)
    theirs = Image.open(io.BytesIO(buffer.getvalue()))
    assert ours.size == theirs.size
    assert ours.convert("L").tobytes() == theirs.convert("L").tobytes()  # every pixel, same order
    big = ours.convert("L").resize((ours.width * 8, ours.height * 8), Image.NEAREST)
    assert [r.text for r in zxingcpp.read_barcodes(big, formats=zxingcpp.BarcodeFormat.QRCode)] == [url]
