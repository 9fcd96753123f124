"""A committee user signs in through the real form and drills from 辽宁省 down to 文官村委会 in Debian chromium."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_committee_user_signs_in_and_drills_from_the_province_to_their_committee(page, login, e2e_server):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    login("wenguan.village")
    assert "文官村委会" in page.inner_text("header")

    page.click("nav.main-nav >> text=行政区划")
    page.wait_for_url("**/regions/210000000000/")
    assert page.inner_text("h1").startswith("辽宁省")

    for name, url in (("沈阳市", "**/regions/210100000000/"), ("皇姑区", "**/regions/210105000000/"),
                      ("鸭绿江街道", "**/regions/210105023000/"), ("文官村委会", "**/committees/210105023201/")):
        page.click(f"table >> a:text-is('{name}')")
        page.wait_for_url(url)
        assert page.inner_text("h1").startswith(name)

    facts = page.inner_text("dl.facts")
    assert "村民委员会" in facts and "210105023201" in facts
    crumbs = page.locator("ol.breadcrumbs li").all_inner_texts()
    assert [c.strip("› ") for c in crumbs[1:]] == ["辽宁省", "沈阳市", "皇姑区", "鸭绿江街道", "文官村委会"]

    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "foundation-committee.png"), full_page=True)
    # the stylesheet loaded (CSP allows only same-origin files) and nothing was blocked or broke
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert not failed, failed
    assert not errors, errors


def test_the_language_switch_turns_the_page_into_english(page, e2e_server):
    page.goto(f"{e2e_server['url']}/regions/210105000000/")
    button = page.locator("form.lang-form button[value=en]")
    assert button.inner_text() == "English", "a language is offered under its own name"
    button.click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert "Regions" in page.inner_text("nav.main-nav")
    assert page.inner_text("h1").startswith("皇姑区")
    assert page.locator("form.lang-form button[value=zh-hans]").inner_text() == "简体中文"
