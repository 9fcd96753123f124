"""Pure parts of supervision: law-derived rules, tracking codes, attachment checks, SVG charts. No database."""

import io
import zipfile
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supervision import attachments, rules, tracking
from supervision.charts import Bar, bar_chart, column_chart

pytestmark = pytest.mark.filterwarnings("ignore")


def test_every_in_scope_category_names_an_article_of_the_regulation():
    cats = rules.categories()
    assert {"shifted_responsibility", "frequent_reporting", "secondment", "quota", "inspection"} <= set(cats)
    for cat in cats.values():
        if cat.in_scope:
            assert 2 <= cat.article <= 10
        else:
            assert cat.guidance


def test_petitions_and_litigation_are_out_of_scope_with_guidance():
    assert not rules.category("petition").in_scope
    assert "信访" in rules.category("petition").guidance
    assert not rules.category("litigation").in_scope


def test_citation_of_article_8_clause_4_reads_like_the_regulation():
    assert rules.category("secondment").citation == "第八条第（四）项"
    assert rules.category("frequent_reporting").citation == "第六条第一款"


def test_a_category_without_article_is_refused():
    with pytest.raises(rules.RulesError, match="article"):
        rules.parse_categories('[[category]]\ncode = "x"\nname = "x"\n')


def test_duplicate_category_codes_are_refused():
    text = '[[category]]\ncode = "a"\nname = "a"\narticle = 8\n[[category]]\ncode = "a"\nname = "b"\narticle = 8\n'
    with pytest.raises(rules.RulesError, match="duplicate"):
        rules.parse_categories(text)


def test_deadlines_are_read_from_the_data_file():
    d = rules.deadlines()
    assert d.min_days <= d.default_days <= d.max_days
    assert d.escalate_late_response is True


def test_tracking_codes_are_long_random_and_distinct():
    codes = {tracking.new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(tracking.normalise(c) == c for c in codes)


@given(st.text(max_size=80))
def test_normalising_any_text_never_fails_and_is_idempotent(text):
    canonical = tracking.normalise(text)
    if canonical is not None:
        assert tracking.normalise(canonical) == canonical
        assert len(canonical.replace("-", "")) == tracking.LENGTH


def test_a_typed_code_is_forgiven_case_spaces_and_look_alike_letters():
    code = "ABCD-EFGH-JKMN-PQRS-TV01"
    assert tracking.normalise("abcd efgh jkmn pqrs tvo1") == code
    assert tracking.normalise("ABCD-EFGH") is None


def test_the_stored_digest_depends_on_the_key():
    assert tracking.digest("X", b"k1") != tracking.digest("X", b"k2")


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
PDF = b"%PDF-1.7\n" + b"x" * 20


def _office(part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(part, "<x/>")
        z.writestr("[Content_Types].xml", "<x/>")
    return buf.getvalue()


def test_a_png_named_png_is_accepted():
    assert attachments.check("照片.png", PNG[:16], len(PNG)).content_type == "image/png"


def test_a_pdf_disguised_as_png_is_refused():
    with pytest.raises(attachments.AttachmentError) as refused:
        attachments.check("x.png", PDF[:16], len(PDF))
    assert refused.value.code == "content_mismatch"


def test_an_executable_is_refused_by_extension():
    with pytest.raises(attachments.AttachmentError) as refused:
        attachments.check("run.exe", b"MZ" + b"\0" * 14, 100)
    assert refused.value.code == "bad_type"


def test_a_file_over_ten_megabytes_is_refused():
    with pytest.raises(attachments.AttachmentError) as refused:
        attachments.check("a.pdf", PDF[:16], attachments.MAX_BYTES + 1)
    assert refused.value.code == "too_large"


def test_a_workbook_renamed_docx_is_refused_and_a_real_docx_accepted():
    xlsx, docx = _office("xl/workbook.xml"), _office("word/document.xml")
    with pytest.raises(attachments.AttachmentError):
        attachments.check("a.docx", xlsx[:16], len(xlsx), xlsx)
    assert attachments.check("a.docx", docx[:16], len(docx), docx).extension == "docx"
    assert attachments.check("a.xlsx", xlsx[:16], len(xlsx), xlsx).extension == "xlsx"


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "a/b.pdf", "..\\x.pdf", "x\x00.pdf", ".hidden.pdf", ""])
def test_path_traversal_and_control_characters_in_names_are_refused(name):
    with pytest.raises(attachments.AttachmentError) as refused:
        attachments.check(name, PDF[:16], len(PDF))
    assert refused.value.code == "bad_name"


@given(st.text(min_size=1, max_size=60))
def test_an_accepted_name_never_contains_a_path(name):
    try:
        cleaned = attachments.clean_name(name)
    except attachments.AttachmentError:
        return
    assert "/" not in cleaned and "\\" not in cleaned and ".." not in cleaned


def test_charts_escape_labels_and_link_each_bar():
    svg = bar_chart([Bar('<script>"', 3, "/supervision/cases/?a=1&b=2")], title="t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'href="/supervision/cases/?a=1&amp;b=2"' in svg
    assert "style=" not in svg  # the CSP forbids inline styles
    assert column_chart([Bar("1月", 0), Bar("2月", 5)], title="trend").count("<rect") == 2


def test_period_parsing():
    from supervision.scorecards import BadPeriod, parse_period

    q3 = parse_period("2026-Q3")
    assert (q3.start.month, q3.end.month) == (7, 10)
    dec = parse_period("2026-12")
    assert dec.end.replace(tzinfo=None) == datetime(2027, 1, 1)
    for bad in ("2026-13", "26", "2026-Q5", "abc", "1800"):
        with pytest.raises(BadPeriod):
            parse_period(bad)


# Paragraphs (款) or items (项) of each article of the regulation that a category may cite.
CLAUSES = {5: 2, 6: 2, 7: 4, 8: 5, 9: 3, 10: 1}


def test_every_category_cites_a_clause_that_exists_in_the_regulation():
    for cat in rules.categories().values():
        if cat.in_scope:
            assert cat.article in CLAUSES, cat.code
            assert 0 <= cat.clause <= CLAUSES[cat.article], cat.code


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_a_month_period_is_one_calendar_month(year, month):
    from supervision.scorecards import parse_period

    period = parse_period(f"{year}-{month:02d}")
    assert period.start.day == 1 and period.end.day == 1
    assert 28 <= (period.end - period.start).days <= 31


@given(st.integers(2000, 2100))
def test_the_four_quarters_tile_the_year(year):
    from supervision.scorecards import parse_period

    quarters = [parse_period(f"{year}-Q{q}") for q in range(1, 5)]
    whole = parse_period(str(year))
    assert quarters[0].start == whole.start and quarters[-1].end == whole.end
    assert all(a.end == b.start for a, b in zip(quarters, quarters[1:], strict=False))
